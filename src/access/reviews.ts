import { CustosError, isCustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AccessReviewCampaignsTable } from '../store/schema.js';
import { decisionRecorder } from './decisions.js';
import { accessActivity, accessEvent } from './events.js';
import type { Person } from './people.js';
import { type ReviewsDeps, reviewTargets } from './reviews.items.js';
import { reviewSweep } from './reviews.sweep.js';
import {
  type Campaign,
  type CampaignReport,
  type CreateCampaignInput,
  type ReviewItem,
  toCampaign,
  toItem,
} from './reviews.types.js';

export {
  type Campaign,
  type CampaignReport,
  type CreateCampaignInput,
  type ReviewItem,
  standingRoles,
} from './reviews.types.js';

export type AccessReviews = ReturnType<typeof createAccessReviews>;

/**
 * Access review campaigns over standing privilege (users holding admin, analyst, approver or
 * auditor; service API keys) and over long grants. Each item goes to a reviewer who is never its
 * holder: whoever approved the grant, the holder's manager, the key's creator, or one of the
 * campaign's fallback reviewers. Reviewers confirm or revoke; whatever is undecided at the
 * deadline is revoked automatically; the report says what happened to every item.
 */ export function createAccessReviews(deps: ReviewsDeps) {
  const { store, clock, outbox, logger } = deps;
  const recordDecision = decisionRecorder({ ledger: deps.ledger, logger });
  const record = async (type: string, body: unknown) => {
    await recordDecision(type, newId('rvr', clock), body);
  };
  const { revokeTarget, candidates } = reviewTargets(deps);

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
    sweep: reviewSweep(deps, { revokeTarget, report }),

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
        if (!user || user.disabledAt !== null || !deps.people.allows(user.roles, 'access.reviews.fallback')) {
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
        throw new CustosError('access.review_closed', 'the campaign is past its deadline');
      }
      if (item.decision !== null)
        throw new CustosError('access.already_decided', `already decided: ${item.decision}`);
      // Mark first, so two clicks cannot both act; then carry out the revocation.
      const marked = await store.db
        .updateTable('access_review_items')
        .set({ decision: input.decision, comment: input.comment, decided_at: now })
        .where('id', '=', itemId)
        .where('decision', 'is', null)
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) === 0)
        throw new CustosError('access.already_decided', 'already decided');
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
  };
}
