import type { Clock } from '../core/clock.js';
import type { Role } from '../core/config.js';
import { CustosError, isCustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Outbox } from '../store/outbox.js';
import type { AccessReviewCampaignsTable, AccessReviewItemsTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { decisionRecorder } from './decisions.js';
import type { Employees } from './employees.js';
import { accessActivity, accessEvent } from './events.js';
import type { Grants } from './grants.js';
import type { People } from './people.js';
import type { Person } from './requests.js';

/** Roles that hold standing privilege (anything beyond asking for access), so they are reviewed. */
export const standingRoles: readonly Role[] = ['admin', 'analyst', 'approver', 'auditor'];

/** Roles that may be named as fallback reviewers of a campaign. */
const reviewerRoles: readonly Role[] = ['admin', 'analyst', 'approver'];

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

function toCampaign(row: AccessReviewCampaignsTable): Campaign {
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

function toItem(row: AccessReviewItemsTable): ReviewItem {
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

export type AccessReviews = ReturnType<typeof createAccessReviews>;

/**
 * Access review campaigns over standing privilege (users holding admin, analyst, approver or
 * auditor; service API keys) and over long grants. Each item goes to a reviewer who is never its
 * holder: whoever approved the grant, the holder's manager, the key's creator, or one of the
 * campaign's fallback reviewers. Reviewers confirm or revoke; whatever is undecided at the
 * deadline is revoked automatically; the report says what happened to every item.
 */
export function createAccessReviews(deps: {
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  logger: Logger;
  grants: Pick<Grants, 'revoke' | 'get'>;
  people: Pick<People, 'list' | 'get' | 'removeRole' | 'listApiKeys' | 'revokeApiKey'>;
  employees: Pick<Employees, 'get'>;
  ledger: Pick<Ledger, 'append'>;
  outbox: Outbox;
  options: { remindBeforeMs: number };
}) {
  const { store, clock, outbox, logger } = deps;

  const recordDecision = decisionRecorder({ ledger: deps.ledger, logger });
  const record = async (type: string, body: unknown) => {
    await recordDecision(type, newId('rvr', clock), body);
  };

  /** Takes the privilege away; returns what happened, never throws for an expected refusal. */
  async function revokeTarget(item: AccessReviewItemsTable, by: string): Promise<string> {
    try {
      if (item.kind === 'grant') {
        const grant = await deps.grants.get(item.target);
        if (grant.revokedAt !== null || grant.expiresAt <= clock.now()) return 'already_gone';
        await deps.grants.revoke(item.target, `review:${item.campaign_id}`, `access review by ${by}`);
      } else if (item.kind === 'role') {
        const [userId, role] = item.target.split(':') as [string, Role];
        const user = await deps.people.get(userId);
        if (!user.roles.includes(role) || user.disabledAt !== null) return 'already_gone';
        await deps.people.removeRole(userId, role, `review:${item.campaign_id}`);
      } else {
        await deps.people.revokeApiKey(item.target, `review:${item.campaign_id}`);
      }
      return 'revoked';
    } catch (error) {
      if (isCustosError(error) && error.code === 'resource.not_found') return 'already_gone';
      if (isCustosError(error) && error.code === 'action.not_allowed') return `kept: ${error.message}`;
      throw error;
    }
  }

  async function candidates(
    input: CreateCampaignInput,
    campaignId: string,
  ): Promise<AccessReviewItemsTable[]> {
    const now = clock.now();
    const fallback = input.reviewers;
    let turn = 0;
    const pick = (holder: string, preferred: (string | null | undefined)[]): string | null => {
      for (const reviewer of preferred) if (reviewer && reviewer !== holder) return reviewer;
      for (let i = 0; i < fallback.length; i++) {
        const reviewer = fallback[(turn + i) % fallback.length] as string;
        if (reviewer !== holder) {
          turn = (turn + i + 1) % fallback.length;
          return reviewer;
        }
      }
      return null;
    };
    const item = (
      kind: AccessReviewItemsTable['kind'],
      target: string,
      holder: string,
      description: string,
      reviewer: string | null,
    ): AccessReviewItemsTable => ({
      id: newId('rvi', clock),
      campaign_id: campaignId,
      kind,
      target,
      holder_id: holder,
      description,
      reviewer_id: reviewer,
      decision: null,
      comment: null,
      decided_at: null,
      outcome: null,
    });
    const items: AccessReviewItemsTable[] = [];

    if (input.grantsLongerThanMs !== undefined) {
      const rows = await store.db
        .selectFrom('access_grants')
        .selectAll()
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .execute();
      for (const grant of rows) {
        if (grant.expires_at - grant.starts_at <= input.grantsLongerThanMs) continue;
        const approvers = grant.request_id
          ? (
              await store.db
                .selectFrom('access_approvals')
                .select('approver_id')
                .where('request_id', '=', grant.request_id)
                .where('decision', '=', 'approve')
                .orderBy('created_at')
                .execute()
            ).map((a) => a.approver_id)
          : [];
        const manager = (await deps.employees.get(grant.actor_id))?.managerId;
        const fields = JSON.parse(grant.fields) as string[];
        items.push(
          item(
            'grant',
            grant.id,
            grant.actor_id,
            `grant ${grant.id} (${grant.purpose}, ${fields.join(', ')}) until ${new Date(grant.expires_at).toISOString()}`,
            pick(grant.actor_id, [...approvers, manager]),
          ),
        );
      }
    }
    if (input.includeRoles) {
      for (const user of await deps.people.list()) {
        const manager = (await deps.employees.get(user.id))?.managerId;
        for (const role of user.roles.filter((r) => standingRoles.includes(r))) {
          items.push(
            item(
              'role',
              `${user.id}:${role}`,
              user.id,
              `${user.username} holds the ${role} role`,
              pick(user.id, [manager]),
            ),
          );
        }
      }
      for (const key of await deps.people.listApiKeys()) {
        items.push(
          item(
            'apikey',
            key.id,
            key.id,
            `API key ${key.name} (${key.roles.join(', ')})`,
            pick(key.id, [key.createdBy.startsWith('usr_') ? key.createdBy : null]),
          ),
        );
      }
    }
    return items;
  }

  async function report(campaignId: string): Promise<CampaignReport> {
    const row = await store.db
      .selectFrom('access_review_campaigns')
      .selectAll()
      .where('id', '=', campaignId)
      .executeTakeFirst();
    if (!row) throw new CustosError('resource.not_found', 'no such review campaign');
    const items = (
      await store.db
        .selectFrom('access_review_items')
        .selectAll()
        .where('campaign_id', '=', campaignId)
        .orderBy('kind')
        .orderBy('id')
        .execute()
    ).map(toItem);
    const tally = (list: ReviewItem[]) => ({
      items: list.length,
      confirmed: list.filter((i) => i.decision === 'confirm').length,
      revoked: list.filter((i) => i.decision === 'revoke').length,
      expired: list.filter((i) => i.decision === 'expired').length,
      pending: list.filter((i) => i.decision === null).length,
    });
    const byKind: CampaignReport['byKind'] = {};
    for (const kind of new Set(items.map((i) => i.kind)))
      byKind[kind] = tally(items.filter((i) => i.kind === kind));
    const reviewers = [...new Set(items.map((i) => i.reviewerId))];
    return {
      campaign: toCampaign(row),
      totals: tally(items),
      byKind,
      byReviewer: reviewers.map((reviewerId) => {
        const mine = items.filter((i) => i.reviewerId === reviewerId);
        return {
          reviewerId,
          assigned: mine.length,
          decided: mine.filter((i) => i.decision === 'confirm' || i.decision === 'revoke').length,
        };
      }),
      items,
    };
  }

  return {
    report,

    async create(input: CreateCampaignInput, by: Person): Promise<CampaignReport> {
      if (input.grantsLongerThanMs === undefined && !input.includeRoles) {
        throw new CustosError('request.invalid', 'a campaign reviews long grants, standing roles, or both');
      }
      const reviewers = [...new Set(input.reviewers)];
      for (const id of reviewers) {
        // Only "no such user" means not a reviewer; a store outage is an outage, not a refusal.
        const user = await deps.people.get(id).catch((error: unknown) => {
          if (isCustosError(error, 'resource.not_found')) return undefined;
          throw error;
        });
        if (!user || user.disabledAt !== null || !user.roles.some((r) => reviewerRoles.includes(r))) {
          throw new CustosError(
            'request.invalid',
            `reviewer ${id} is not an active admin, analyst or approver`,
          );
        }
      }
      const now = clock.now();
      const campaign: AccessReviewCampaignsTable = {
        id: newId('rvw', clock),
        name: input.name,
        created_by: by.id,
        created_at: now,
        deadline: now + input.durationMs,
        grant_threshold_ms: input.grantsLongerThanMs ?? null,
        include_roles: input.includeRoles ? 1 : 0,
        status: 'open',
        reminded_at: null,
        closed_at: null,
      };
      const items = await candidates({ ...input, reviewers }, campaign.id);
      await store.transaction(async (tx) => {
        await tx.insertInto('access_review_campaigns').values(campaign).execute();
        for (let i = 0; i < items.length; i += 200) {
          await tx
            .insertInto('access_review_items')
            .values(items.slice(i, i + 200))
            .execute();
        }
        const perReviewer = new Map<string, number>();
        for (const it of items) {
          if (it.reviewer_id) perReviewer.set(it.reviewer_id, (perReviewer.get(it.reviewer_id) ?? 0) + 1);
        }
        await outbox.enqueue(
          tx,
          accessEvent(clock, {
            topic: 'access.review.started',
            activityId: accessActivity.other,
            message: `access review "${input.name}" started: ${items.length} item(s), due ${new Date(campaign.deadline).toISOString()}`,
            actorId: by.id,
            payload: {
              campaignId: campaign.id,
              name: input.name,
              deadline: campaign.deadline,
              items: items.length,
              reviewers: Object.fromEntries(perReviewer),
              unassigned: items.filter((it) => it.reviewer_id === null).length,
            },
          }),
        );
      });
      await record('access.review.campaign', {
        at: now,
        campaignId: campaign.id,
        name: input.name,
        by: by.id,
        deadline: campaign.deadline,
        items: items.map((it) => ({ id: it.id, kind: it.kind, target: it.target, reviewer: it.reviewer_id })),
      });
      return report(campaign.id);
    },

    async list(): Promise<Campaign[]> {
      const rows = await store.db
        .selectFrom('access_review_campaigns')
        .selectAll()
        .orderBy('created_at', 'desc')
        .limit(200)
        .execute();
      return rows.map(toCampaign);
    },

    /** Items assigned to this reviewer, undecided first. */
    async assignedTo(reviewerId: string, pendingOnly: boolean): Promise<ReviewItem[]> {
      let query = store.db
        .selectFrom('access_review_items')
        .selectAll()
        .where('reviewer_id', '=', reviewerId);
      if (pendingOnly) query = query.where('decision', 'is', null);
      return (await query.orderBy('campaign_id').orderBy('id').limit(500).execute()).map(toItem);
    },

    /** The assigned reviewer confirms or revokes one item before the deadline. */
    async decide(
      itemId: string,
      reviewer: Person,
      input: { decision: 'confirm' | 'revoke'; comment: string },
    ): Promise<ReviewItem> {
      const now = clock.now();
      const item = await store.db
        .selectFrom('access_review_items')
        .selectAll()
        .where('id', '=', itemId)
        .executeTakeFirst();
      if (!item || item.reviewer_id !== reviewer.id) {
        throw new CustosError('resource.not_found', 'no such review item assigned to you');
      }
      const campaign = await store.db
        .selectFrom('access_review_campaigns')
        .selectAll()
        .where('id', '=', item.campaign_id)
        .executeTakeFirstOrThrow();
      if (campaign.status !== 'open' || campaign.deadline <= now) {
        throw new CustosError('action.not_allowed', 'the campaign is past its deadline');
      }
      if (item.decision !== null)
        throw new CustosError('resource.conflict', `already decided: ${item.decision}`);
      // Mark first, so two clicks cannot both act; then carry out the revocation.
      const marked = await store.db
        .updateTable('access_review_items')
        .set({ decision: input.decision, comment: input.comment, decided_at: now })
        .where('id', '=', itemId)
        .where('decision', 'is', null)
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) === 0) throw new CustosError('resource.conflict', 'already decided');
      const outcome = input.decision === 'revoke' ? await revokeTarget(item, reviewer.id) : 'kept';
      await store.db.updateTable('access_review_items').set({ outcome }).where('id', '=', itemId).execute();
      await record('access.review.decision', {
        at: now,
        campaignId: item.campaign_id,
        itemId,
        kind: item.kind,
        target: item.target,
        holder: item.holder_id,
        reviewer: reviewer.id,
        decision: input.decision,
        outcome,
      });
      return toItem({ ...item, decision: input.decision, comment: input.comment, decided_at: now, outcome });
    },

    /**
     * Reminds reviewers of campaigns nearing their deadline (once per campaign) and closes
     * campaigns past it, revoking every undecided item. Safe to run on several nodes: each item and
     * campaign is claimed by a conditional update before anything is done to it.
     */
    async sweep(): Promise<{ reminded: number; closed: number; expired: number }> {
      const now = clock.now();
      let reminded = 0;
      let closed = 0;
      let expired = 0;
      const nearing = await store.db
        .selectFrom('access_review_campaigns')
        .selectAll()
        .where('status', '=', 'open')
        .where('reminded_at', 'is', null)
        .where('deadline', '>', now)
        .where('deadline', '<=', now + deps.options.remindBeforeMs)
        .execute();
      for (const campaign of nearing) {
        await store.transaction(async (tx) => {
          const claimed = await tx
            .updateTable('access_review_campaigns')
            .set({ reminded_at: now })
            .where('id', '=', campaign.id)
            .where('reminded_at', 'is', null)
            .executeTakeFirst();
          if (Number(claimed.numUpdatedRows) === 0) return;
          const pending = await tx
            .selectFrom('access_review_items')
            .select(['reviewer_id'])
            .where('campaign_id', '=', campaign.id)
            .where('decision', 'is', null)
            .execute();
          const perReviewer = new Map<string, number>();
          for (const p of pending) {
            const key = p.reviewer_id ?? 'unassigned';
            perReviewer.set(key, (perReviewer.get(key) ?? 0) + 1);
          }
          await outbox.enqueue(
            tx,
            accessEvent(clock, {
              topic: 'access.review.reminder',
              activityId: accessActivity.other,
              severityId: 2,
              message: `access review "${campaign.name}": ${pending.length} item(s) undecided; whatever is undecided at ${new Date(campaign.deadline).toISOString()} is revoked`,
              payload: {
                campaignId: campaign.id,
                deadline: campaign.deadline,
                pending: Object.fromEntries(perReviewer),
              },
            }),
          );
          reminded++;
        });
      }

      // A revocation that failed or was cut short (a crash between marking and acting) is tried
      // again: a decision to revoke must not stay on paper.
      const unfinished = await store.db
        .selectFrom('access_review_items')
        .selectAll()
        .where('decision', 'in', ['revoke', 'expired'])
        .where((eb) => eb.or([eb('outcome', 'is', null), eb('outcome', 'like', 'error:%')]))
        .where('decided_at', '<=', now - 60_000)
        .limit(500)
        .execute();
      for (const item of unfinished) {
        const outcome = await revokeTarget(item, 'retry').catch((error: unknown) =>
          `error: ${(error as Error).message}`.slice(0, 200),
        );
        await store.db
          .updateTable('access_review_items')
          .set({ outcome })
          .where('id', '=', item.id)
          .execute();
      }

      const due = await store.db
        .selectFrom('access_review_campaigns')
        .selectAll()
        .where('status', '=', 'open')
        .where('deadline', '<=', now)
        .execute();
      for (const campaign of due) {
        const undecided = await store.db
          .selectFrom('access_review_items')
          .selectAll()
          .where('campaign_id', '=', campaign.id)
          .where('decision', 'is', null)
          .execute();
        for (const item of undecided) {
          const claimed = await store.db
            .updateTable('access_review_items')
            .set({ decision: 'expired', decided_at: now, comment: 'not reviewed by the deadline' })
            .where('id', '=', item.id)
            .where('decision', 'is', null)
            .executeTakeFirst();
          if (Number(claimed.numUpdatedRows) === 0) continue;
          const outcome = await revokeTarget(item, 'deadline').catch((error: unknown) => {
            logger.error({ err: error, itemId: item.id }, 'revoking an unreviewed item failed');
            return `error: ${(error as Error).message}`.slice(0, 200);
          });
          await store.db
            .updateTable('access_review_items')
            .set({ outcome })
            .where('id', '=', item.id)
            .execute();
          await record('access.review.decision', {
            at: now,
            campaignId: campaign.id,
            itemId: item.id,
            kind: item.kind,
            target: item.target,
            holder: item.holder_id,
            reviewer: null,
            decision: 'expired',
            outcome,
          }).catch((error: unknown) =>
            logger.error({ err: error, itemId: item.id }, 'review record not logged'),
          );
          expired++;
        }
        // Read outside the transaction: on SQLite a second query beside an open transaction waits
        // for it forever.
        const summary = await report(campaign.id);
        const closing = await store.transaction(async (tx) => {
          const claimed = await tx
            .updateTable('access_review_campaigns')
            .set({ status: 'closed', closed_at: now })
            .where('id', '=', campaign.id)
            .where('status', '=', 'open')
            .executeTakeFirst();
          if (Number(claimed.numUpdatedRows) === 0) return undefined;
          await outbox.enqueue(
            tx,
            accessEvent(clock, {
              topic: 'access.review.closed',
              activityId: accessActivity.revoke,
              message: `access review "${campaign.name}" closed`,
              payload: { campaignId: campaign.id, totals: summary.totals },
            }),
          );
          return summary;
        });
        if (closing) {
          closed++;
          await record('access.review.closed', {
            at: now,
            campaignId: campaign.id,
            totals: closing.totals,
          }).catch((error: unknown) =>
            logger.error({ err: error, campaignId: campaign.id }, 'review close not logged'),
          );
        }
      }
      return { reminded, closed, expired };
    },
  };
}
