import type { Role } from '../core/config.js';
import type { AccessReviewCampaignsTable, AccessReviewItemsTable } from '../store/schema.js';

/** Roles that hold standing privilege (anything beyond asking for access), so they are reviewed. */
export const standingRoles: readonly Role[] = ['admin', 'analyst', 'approver', 'auditor'];

export interface CreateCampaignInput {
  name: string;
  /** Time left to review, from now. */
  durationMs: number;
  /** Review grants lasting longer than this; omit to leave grants out. */
  grantsLongerThanMs?: number | undefined;
  /** Review users holding standing roles, and service API keys. */
  includeRoles: boolean;
  /** Who reviews what has no natural reviewer (no approver, manager or key creator). */
  reviewers: string[];
}

export interface ReviewItem {
  id: string;
  campaignId: string;
  kind: 'grant' | 'role' | 'apikey';
  target: string;
  holderId: string;
  description: string;
  reviewerId: string | null;
  decision: 'confirm' | 'revoke' | 'expired' | null;
  comment: string | null;
  decidedAt: number | null;
  outcome: string | null;
}

export interface Campaign {
  id: string;
  name: string;
  createdBy: string;
  createdAt: number;
  deadline: number;
  grantsLongerThanMs: number | null;
  includeRoles: boolean;
  status: 'open' | 'closed';
  closedAt: number | null;
}

export interface CampaignReport {
  campaign: Campaign;
  totals: { items: number; confirmed: number; revoked: number; expired: number; pending: number };
  byKind: Record<
    string,
    { items: number; confirmed: number; revoked: number; expired: number; pending: number }
  >;
  byReviewer: { reviewerId: string | null; assigned: number; decided: number }[];
  items: ReviewItem[];
}

export function toCampaign(row: AccessReviewCampaignsTable): Campaign {
  return {
    id: row.id,
    name: row.name,
    createdBy: row.created_by,
    createdAt: row.created_at,
    deadline: row.deadline,
    grantsLongerThanMs: row.grant_threshold_ms,
    includeRoles: row.include_roles === 1,
    status: row.status as Campaign['status'],
    closedAt: row.closed_at,
  };
}

export function toItem(row: AccessReviewItemsTable): ReviewItem {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    kind: row.kind as ReviewItem['kind'],
    target: row.target,
    holderId: row.holder_id,
    description: row.description,
    reviewerId: row.reviewer_id,
    decision: row.decision as ReviewItem['decision'],
    comment: row.comment,
    decidedAt: row.decided_at,
    outcome: row.outcome,
  };
}
