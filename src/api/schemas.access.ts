import { z } from 'zod';
import { operations, purposes } from '../access/grants.js';
import { protectedCategories } from '../access/protected.js';
import { requestStatuses } from '../access/requests.js';

// Response shapes of the access routes: parsed on the way out, so an undeclared column never leaks.

export const reasonSchema = z.object({ code: z.string(), message: z.string() });

const appliedPolicy = z.object({ id: z.string(), effect: z.enum(['permit', 'forbid']), reason: z.string() });

export const requestPreviewSchema = z.object({
  verdict: z.enum(['auto_approved', 'needs_approval', 'refused']),
  tier: z.number().nullable(),
  protectedSubjects: z.boolean().nullable(),
  reasons: z.array(reasonSchema.extend({ policy: z.string().nullable() })),
  policies: z.array(appliedPolicy),
  requirement: z
    .object({
      approvals: z.number(),
      securityApprovals: z.number(),
      managementApprovals: z.number(),
      grantedBy: z.array(appliedPolicy),
    })
    .nullable(),
});

export const requestSchema = z.object({
  id: z.string(),
  requesterId: z.string(),
  purpose: z.enum(purposes),
  ticketId: z.string(),
  subjects: z.array(z.string()),
  fields: z.array(z.string()),
  operations: z.array(z.enum(operations)),
  durationMs: z.number(),
  justification: z.string(),
  tier: z.number(),
  protectedSubjects: z.boolean(),
  status: z.enum(requestStatuses),
  decision: z.object({ allowed: z.boolean(), policies: z.array(appliedPolicy) }),
  grantId: z.string().nullable(),
  approvals: z.array(
    z.object({
      approverId: z.string(),
      decision: z.enum(['approve', 'reject']),
      comment: z.string(),
      security: z.boolean(),
      management: z.boolean(),
      createdAt: z.number(),
    }),
  ),
  createdAt: z.number(),
  decidedAt: z.number().nullable(),
  expiresAt: z.number(),
});

export const grantSchema = z.object({
  id: z.string(),
  actorId: z.string(),
  purpose: z.enum(purposes),
  ticketId: z.string(),
  subjects: z.array(z.string()),
  fields: z.array(z.string()),
  operations: z.array(z.enum(operations)),
  source: z.enum(['approval', 'break_glass']),
  requestId: z.string().nullable(),
  startsAt: z.number(),
  expiresAt: z.number(),
  revokedAt: z.number().nullable(),
});

export const protectedSchema = z.object({
  subjectId: z.string(),
  category: z.enum(protectedCategories),
  addedBy: z.string(),
  createdAt: z.number(),
});

export const breakGlassSchema = z.object({
  id: z.string(),
  grantId: z.string(),
  actorId: z.string(),
  reason: z.string(),
  incident: z.string().nullable(),
  subjects: z.array(z.string()),
  fields: z.array(z.string()),
  createdAt: z.number(),
  reviewDueAt: z.number(),
  reviewedAt: z.number().nullable(),
  reviewedBy: z.string().nullable(),
  outcome: z.enum(['confirmed', 'rejected']).nullable(),
  reviewComment: z.string().nullable(),
  escalatedAt: z.number().nullable(),
  escalation: z.enum(['rejected', 'unreviewed']).nullable(),
});

export const ticketSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['open', 'closed']),
  assigneeId: z.string().nullable(),
  subjects: z.array(z.string()),
  reporterId: z.string().nullable(),
  postedBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  closedAt: z.number().nullable(),
});

export const employeeSchema = z.object({
  userId: z.string(),
  platformUserId: z.string().nullable(),
  managerId: z.string().nullable(),
  team: z.string().nullable(),
  onCallUntil: z.number().nullable(),
});

export const checkResultSchema = z.object({
  checkId: z.string(),
  decision: z.enum(['permit', 'deny']),
  grantId: z.string().optional(),
  fields: z.object({ permitted: z.array(z.string()), masked: z.array(z.string()) }),
  reasons: z.array(reasonSchema),
  ledgerIndex: z.number(),
});
