import type { Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Outbox } from '../store/outbox.js';
import type { Database } from '../store/schema.js';
import { accessActivity, accessEvent } from './events.js';
import type { Grants } from './grants.js';

export type Offboarding = ReturnType<typeof createOffboarding>;

/**
 * What access does when a person's Custos account is disabled, inside the transaction that
 * disables it: their pending requests are cancelled (so nobody can approve them into a grant
 * afterwards) and every grant they hold, break-glass ones included, is revoked. Requests first:
 * on PostgreSQL that waits for a decision in flight on one of them, so a grant it issues is
 * seen, and revoked, by the step after.
 */
export function createOffboarding(deps: {
  clock: Clock;
  outbox: Outbox;
  grants: Pick<Grants, 'unended' | 'revoke'>;
}) {
  const { clock, outbox, grants } = deps;
  return {
    async personDisabled(
      tx: Transaction<Database>,
      userId: string,
      by: string,
    ): Promise<{ cancelledRequests: number; revokedGrants: number }> {
      const now = clock.now();
      const cancelled = await tx
        .updateTable('access_requests')
        .set({ status: 'cancelled', decided_at: now })
        .where('requester_id', '=', userId)
        .where('status', '=', 'pending')
        .returning(['id'])
        .execute();
      for (const { id } of cancelled) {
        await outbox.enqueue(
          tx,
          accessEvent(clock, {
            topic: 'access.request.cancelled',
            activityId: accessActivity.other,
            message: `access request ${id} cancelled: its requester ${userId} was disabled`,
            actorId: by.startsWith('usr_') ? by : undefined,
            payload: { requestId: id, requesterId: userId, by, reason: 'requester_disabled' },
          }),
          { record: true },
        );
      }
      const held = await grants.unended(tx, { actorId: userId });
      const revoked = await grants.revoke(
        tx,
        held.map((g) => g.id),
        by,
        'holder disabled',
      );
      return { cancelledRequests: cancelled.length, revokedGrants: revoked.length };
    },
  };
}
