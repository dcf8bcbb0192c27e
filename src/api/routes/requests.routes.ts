import { z } from 'zod';
import type { BreakGlassService } from '../../access/breakglass.js';
import {
  type Grants,
  maxDurationByTier,
  maxSubjectsPerGrant,
  operations,
  purposes,
} from '../../access/grants.js';
import type { ApprovalPolicy } from '../../access/policy.js';
import { type ProtectedSubjects, protectedCategories } from '../../access/protected.js';
import { type AccessRequests, oversees, requestStatuses } from '../../access/requests.js';
import { ticketIdPattern } from '../../access/tickets.js';
import { type Principal, principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { durationText, idParam, subjectId, usrId } from '../schemas.js';
import type { App } from '../types.js';

const longest = Math.max(...Object.values(maxDurationByTier));
const grantDuration = durationText(longest, 'a grant lasts at most 7 days');

const appliedPolicy = z.object({ id: z.string(), effect: z.enum(['permit', 'forbid']), reason: z.string() });
const requestSchema = z.object({
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
const grantSchema = z.object({
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
const protectedSchema = z.object({
  subjectId: z.string(),
  category: z.enum(protectedCategories),
  addedBy: z.string(),
  createdAt: z.number(),
});

const breakGlassSchema = z.object({
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

// Break-glass uses are security's to oversee; approvers see only requests and grants.
const breakGlassOverseers = ['admin', 'analyst', 'auditor'];

const person = (principal: Principal) => ({ id: principal.id, roles: principal.roles });

/** Access requests, approvals, grants, the approval policies and the protected-subject list. */
export function requestsRoutes(
  app: App,
  deps: {
    accessRequests: AccessRequests;
    grants: Pick<Grants, 'list' | 'get'>;
    protectedSubjects: ProtectedSubjects;
    approvalPolicy: ApprovalPolicy;
    breakGlass: BreakGlassService;
  },
): void {
  app.post(
    '/v1/access/requests',
    {
      config: { access: { permission: 'access.requests.create', people: true } },
      schema: {
        tags: ['access'],
        summary: 'Ask for time-bound access to named users’ data, on a ticket, for a purpose.',
        body: z
          .object({
            purpose: z.enum(purposes),
            ticketId: z.string().regex(ticketIdPattern, 'expected a ticket id'),
            subjects: z.array(subjectId).min(1).max(maxSubjectsPerGrant),
            fields: z.array(z.string().min(1).max(64)).min(1).max(50),
            operations: z.array(z.enum(operations)).min(1).max(2),
            duration: grantDuration,
            justification: z.string().min(10).max(2000),
          })
          .strict(),
        response: {
          201: z.object({ request: requestSchema, grant: grantSchema.nullable(), ledgerIndex: z.number() }),
          ...errorResponses(400, 401, 403, 409, 503),
        },
      },
    },
    async (request, reply) => {
      const { duration, ...rest } = request.body;
      const created = await deps.accessRequests.create(
        { ...rest, durationMs: duration },
        person(principalOf(request)),
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/v1/access/requests',
    {
      config: { access: { permission: 'access.requests.read', people: true } },
      schema: {
        tags: ['access'],
        summary: 'Requests, newest first: your own, or all for approvers, analysts, auditors and admins.',
        querystring: z
          .object({
            status: z.enum(requestStatuses).optional(),
            mine: z
              .enum(['true', 'false'])
              .optional()
              .transform((v) => v === 'true'),
            limit: z.coerce.number().int().min(1).max(200).optional(),
          })
          .strict(),
        response: { 200: z.object({ requests: z.array(requestSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      requests: await deps.accessRequests.list(person(principalOf(request)), {
        ...(request.query.status ? { status: request.query.status } : {}),
        mine: request.query.mine,
        ...(request.query.limit ? { limit: request.query.limit } : {}),
      }),
    }),
  );

  app.get(
    '/v1/access/requests/:id',
    {
      config: { access: { permission: 'access.requests.read', people: true } },
      schema: {
        tags: ['access'],
        summary: 'One request with its approvals and the policy decision on it.',
        params: idParam('req'),
        response: { 200: z.object({ request: requestSchema }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      request: await deps.accessRequests.get(request.params.id, person(principalOf(request))),
    }),
  );

  app.post(
    '/v1/access/requests/:id/decisions',
    {
      config: { access: { permission: 'access.requests.decide', people: true } },
      schema: {
        tags: ['access'],
        summary: 'Approve or reject a pending request; the grant is issued once the policies are satisfied.',
        params: idParam('req'),
        body: z
          .object({ decision: z.enum(['approve', 'reject']), comment: z.string().max(2000).default('') })
          .strict(),
        response: {
          200: z.object({ request: requestSchema, grant: grantSchema.nullable(), ledgerIndex: z.number() }),
          ...errorResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request) =>
      deps.accessRequests.decide(request.params.id, person(principalOf(request)), {
        decision: request.body.decision,
        comment: request.body.comment,
      }),
  );

  app.post(
    '/v1/access/requests/:id/cancel',
    {
      config: { access: { permission: 'access.requests.create', people: true } },
      schema: {
        tags: ['access'],
        summary: 'Withdraw your own pending request.',
        params: idParam('req'),
        response: {
          200: z.object({ request: requestSchema }),
          ...errorResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request) => ({
      request: await deps.accessRequests.cancel(request.params.id, person(principalOf(request))),
    }),
  );

  app.get(
    '/v1/access/grants',
    {
      config: { access: { permission: 'access.grants.read', people: true } },
      schema: {
        tags: ['access'],
        summary: 'Grants, newest first: your own, or anyone’s for approvers, analysts, auditors and admins.',
        querystring: z
          .object({
            actor: usrId.optional(),
            active: z
              .enum(['true', 'false'])
              .optional()
              .transform((v) => v === 'true'),
            limit: z.coerce.number().int().min(1).max(200).optional(),
          })
          .strict(),
        response: { 200: z.object({ grants: z.array(grantSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const viewer = principalOf(request);
      const actorId = oversees(viewer.roles) ? request.query.actor : viewer.id;
      return {
        grants: await deps.grants.list({
          ...(actorId ? { actorId } : {}),
          active: request.query.active,
          ...(request.query.limit ? { limit: request.query.limit } : {}),
        }),
      };
    },
  );

  app.post(
    '/v1/access/grants/:id/revoke',
    {
      config: { access: { permission: 'access.grants.revoke', people: true } },
      schema: {
        tags: ['access'],
        summary: 'Revoke a grant (its holder, an approver of it, or a security analyst); effective at once.',
        params: idParam('grt'),
        body: z.object({ reason: z.string().min(3).max(500) }).strict(),
        response: { 200: z.object({ grant: grantSchema }), ...errorResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => ({
      grant: await deps.accessRequests.revokeGrant(
        request.params.id,
        person(principalOf(request)),
        request.body.reason,
      ),
    }),
  );

  app.get(
    '/v1/access/policies',
    {
      config: { access: { permission: 'access.policies.read' } },
      schema: {
        tags: ['access'],
        summary: 'The approval policies in force, each with its id, effect and reason.',
        response: {
          200: z.object({
            policies: z.array(
              z.object({
                id: z.string(),
                effect: z.enum(['permit', 'forbid']),
                reason: z.string(),
                file: z.string(),
              }),
            ),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ policies: deps.approvalPolicy.policies() }),
  );

  const protectedParams = z.object({ subjectId }).strict();

  app.put(
    '/v1/access/protected-subjects/:subjectId',
    {
      config: { access: { permission: 'access.protected.write' } },
      schema: {
        tags: ['access'],
        summary: 'Put a user on the protected list: their data then needs stronger approval.',
        params: protectedParams,
        body: z.object({ category: z.enum(protectedCategories) }).strict(),
        response: { 200: z.object({ subject: protectedSchema }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      subject: await deps.protectedSubjects.put(
        request.params.subjectId,
        request.body.category,
        principalOf(request).id,
      ),
    }),
  );

  app.get(
    '/v1/access/protected-subjects/:subjectId',
    {
      config: { access: { permission: 'access.protected.read' } },
      schema: {
        tags: ['access'],
        summary: 'Whether a user is on the protected list.',
        params: protectedParams,
        response: { 200: z.object({ subject: protectedSchema }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ subject: await deps.protectedSubjects.get(request.params.subjectId) }),
  );

  app.delete(
    '/v1/access/protected-subjects/:subjectId',
    {
      config: { access: { permission: 'access.protected.write' } },
      schema: {
        tags: ['access'],
        summary: 'Take a user off the protected list.',
        params: protectedParams,
        response: { 204: z.null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deps.protectedSubjects.remove(request.params.subjectId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/access/break-glass',
    {
      config: { access: { permission: 'access.breakglass.use', people: true } },
      schema: {
        tags: ['access'],
        summary: 'On call: self-issue a short emergency read grant. Security is notified at once.',
        body: z
          .object({
            subjects: z.array(subjectId).min(1).max(100),
            fields: z.array(z.string().min(1).max(64)).min(1).max(50),
            duration: grantDuration,
            reason: z.string().min(20).max(2000),
            incident: z.string().regex(ticketIdPattern, 'expected an incident or ticket id').optional(),
          })
          .strict(),
        response: {
          201: z.object({ breakGlass: breakGlassSchema, grant: grantSchema, ledgerIndex: z.number() }),
          ...errorResponses(400, 401, 403, 503),
        },
      },
    },
    async (request, reply) => {
      const { duration, ...rest } = request.body;
      const used = await deps.breakGlass.use({ ...rest, durationMs: duration }, person(principalOf(request)));
      return reply.code(201).send(used);
    },
  );

  app.get(
    '/v1/access/break-glass',
    {
      config: { access: { permission: 'access.breakglass.read', people: true } },
      schema: {
        tags: ['access'],
        summary: 'Break-glass uses, newest first: your own, or everyone’s for analysts, auditors and admins.',
        querystring: z
          .object({
            pending: z
              .enum(['true', 'false'])
              .optional()
              .transform((v) => v === 'true'),
            limit: z.coerce.number().int().min(1).max(200).optional(),
          })
          .strict(),
        response: { 200: z.object({ uses: z.array(breakGlassSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const viewer = principalOf(request);
      const all = viewer.roles.some((r) => breakGlassOverseers.includes(r));
      return {
        uses: await deps.breakGlass.list({
          pending: request.query.pending,
          ...(all ? {} : { actorId: viewer.id }),
          ...(request.query.limit ? { limit: request.query.limit } : {}),
        }),
      };
    },
  );

  app.post(
    '/v1/access/break-glass/:id/review',
    {
      config: { access: { permission: 'access.breakglass.review', people: true } },
      schema: {
        tags: ['access'],
        summary: 'Security review of a break-glass use; rejecting revokes its grant and escalates.',
        params: idParam('bgl'),
        body: z
          .object({ outcome: z.enum(['confirmed', 'rejected']), comment: z.string().min(3).max(2000) })
          .strict(),
        response: {
          200: z.object({ breakGlass: breakGlassSchema }),
          ...errorResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request) => ({
      breakGlass: await deps.breakGlass.review(request.params.id, person(principalOf(request)), request.body),
    }),
  );
}
