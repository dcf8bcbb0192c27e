import { isCustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { decisionRecorder } from './decisions.js';
import { accessActivity, accessEvent } from './events.js';
import type { ReviewsDeps, reviewTargets } from './reviews.items.js';
import type { CampaignReport } from './reviews.types.js';

/**
 * The campaigns' clock: reminds reviewers of campaigns nearing their deadline (once per
 * campaign) and closes campaigns past it, revoking every undecided item. Safe to run on several
 * nodes: each item and campaign is claimed by a conditional update before anything is done to it.
 */
export function reviewSweep(
  deps: ReviewsDeps,
  helpers: Pick<ReturnType<typeof reviewTargets>, 'revokeTarget'> & {
    report(campaignId: string): Promise<CampaignReport>;
  },
) {
  const { store, clock, outbox, logger } = deps;
  const { revokeTarget, report } = helpers;

  /**
   * The outcome kept for a revocation that failed, to be retried: reviewers read it, so it names
   * the failure's code, never a driver's message, which goes to the log.
   */
  function failedOutcome(error: unknown, itemId: string): string {
    logger.error({ err: error, itemId }, 'a review revocation failed; it will be retried');
    return `error: ${isCustosError(error) ? error.code : 'internal'}`;
  }
  const recordDecision = decisionRecorder({ ledger: deps.ledger, logger });
  const record = async (type: string, body: unknown) => {
    await recordDecision(type, newId('rvr', clock), body);
  };

  return async function sweep(): Promise<{ reminded: number; closed: number; expired: number }> {
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
        failedOutcome(error, item.id),
      );
      await store.db.updateTable('access_review_items').set({ outcome }).where('id', '=', item.id).execute();
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
        const outcome = await revokeTarget(item, 'deadline').catch((error: unknown) =>
          failedOutcome(error, item.id),
        );
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
  };
}
