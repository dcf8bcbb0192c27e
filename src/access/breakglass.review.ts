import { CustosError } from '../core/errors.js';
import type { AccessBreakGlassTable } from '../store/schema.js';
import { type BreakGlass, type BreakGlassDeps, toBreakGlass } from './breakglass.js';
import { accessActivity, accessEvent } from './events.js';
import type { Person } from './people.js';

// OCSF severity_id 5 Critical for an escalation: someone used emergency access and nobody vouched.
const severityCritical = 5;

/**
 * Security's review of break-glass uses, and the escalation of those rejected or not reviewed in
 * time with an `access.breakglass.escalated` event that other modules (incidents, paging) act on.
 * Reviews and escalations are announced and logged through the outbox, in the transaction that
 * makes them.
 */
export function createBreakGlassReview(deps: BreakGlassDeps) {
  const { store, clock, outbox } = deps;

  function escalationEvent(row: AccessBreakGlassTable, why: 'rejected' | 'unreviewed') {
    return accessEvent(clock, {
      topic: 'access.breakglass.escalated',
      activityId: accessActivity.other,
      severityId: severityCritical,
      message:
        why === 'rejected'
          ? `break-glass ${row.id} by ${row.actor_id} was rejected on review`
          : `break-glass ${row.id} by ${row.actor_id} was not reviewed by its deadline`,
      actorId: row.actor_id,
      payload: {
        breakGlassId: row.id,
        grantId: row.grant_id,
        actorId: row.actor_id,
        escalation: why,
        subjects: JSON.parse(row.subjects) as string[],
        reviewDueAt: row.review_due_at,
      },
    });
  }

  return {
    /**
     * Security's review: `confirmed` closes it; `rejected` revokes the grant if it still runs and
     * escalates. Nobody reviews their own use.
     */
    async review(
      id: string,
      reviewer: Person,
      input: { outcome: 'confirmed' | 'rejected'; comment: string },
    ): Promise<BreakGlass> {
      if (!deps.people.allows(reviewer.roles, 'access.breakglass.review')) {
        throw new CustosError('access.denied', 'break-glass is reviewed by security (the analyst role)');
      }
      const now = clock.now();
      const row = await store.transaction(async (tx) => {
        const current = await tx
          .selectFrom('access_break_glass')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst();
        if (!current) throw new CustosError('resource.not_found', 'no such break-glass use');
        if (current.actor_id === reviewer.id) {
          throw new CustosError('access.denied', 'nobody reviews their own break-glass use', {
            reason: 'self_review',
          });
        }
        if (current.reviewed_at !== null) {
          throw new CustosError('access.breakglass_reviewed', `already reviewed: ${current.outcome}`);
        }
        const rejected = input.outcome === 'rejected';
        const escalateNow = rejected && current.escalated_at === null;
        const updated: AccessBreakGlassTable = {
          ...current,
          reviewed_at: now,
          reviewed_by: reviewer.id,
          outcome: input.outcome,
          review_comment: input.comment,
          ...(escalateNow ? { escalated_at: now, escalation: 'rejected' } : {}),
        };
        const claimed = await tx
          .updateTable('access_break_glass')
          .set({
            reviewed_at: updated.reviewed_at,
            reviewed_by: updated.reviewed_by,
            outcome: updated.outcome,
            review_comment: updated.review_comment,
            escalated_at: updated.escalated_at,
            escalation: updated.escalation,
          })
          .where('id', '=', id)
          .where('reviewed_at', 'is', null)
          .executeTakeFirst();
        // Another reviewer got there first: nothing of this review may take effect.
        if (Number(claimed.numUpdatedRows) === 0)
          throw new CustosError('access.breakglass_reviewed', 'already reviewed');
        if (rejected) {
          await deps.grants.revoke(tx, [current.grant_id], reviewer.id, 'break-glass rejected on review');
        }
        await outbox.enqueue(
          tx,
          accessEvent(clock, {
            topic: 'access.breakglass.reviewed',
            activityId: accessActivity.other,
            message: `break-glass ${id} by ${current.actor_id} ${input.outcome} by ${reviewer.id}`,
            actorId: reviewer.id,
            payload: {
              breakGlassId: id,
              actorId: current.actor_id,
              outcome: input.outcome,
              reviewerId: reviewer.id,
              comment: input.comment,
            },
          }),
          { record: true },
        );
        if (escalateNow) await outbox.enqueue(tx, escalationEvent(current, 'rejected'), { record: true });
        return updated;
      });
      return toBreakGlass(row);
    },

    /**
     * Escalates every use whose review deadline passed without a review. Safe to run on several
     * nodes at once: each use is escalated by whichever node marks it first.
     */
    async sweep(): Promise<number> {
      const now = clock.now();
      const overdue = await store.db
        .selectFrom('access_break_glass')
        .selectAll()
        .where('reviewed_at', 'is', null)
        .where('escalated_at', 'is', null)
        .where('review_due_at', '<=', now)
        .limit(500)
        .execute();
      let escalated = 0;
      for (const row of overdue) {
        const marked = await store.transaction(async (tx) => {
          const result = await tx
            .updateTable('access_break_glass')
            .set({ escalated_at: now, escalation: 'unreviewed' })
            .where('id', '=', row.id)
            .where('escalated_at', 'is', null)
            .where('reviewed_at', 'is', null)
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) === 0) return false;
          await outbox.enqueue(tx, escalationEvent(row, 'unreviewed'), { record: true });
          return true;
        });
        if (marked) escalated++;
      }
      return escalated;
    },
  };
}
