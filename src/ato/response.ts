import type { Clock } from '../core/clock.js';
import { domainEvent, ocsfClass } from '../core/events.js';
import type { Outbox } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import type { DecisionBody } from './decisions.js';
import type { AtoAction } from './types.js';

// OCSF Authentication (3002) activity 99, Other: a recommendation that follows an authentication.
const otherActivity = 99;

const actionMessages: Record<AtoAction, string> = {
  notify_user: 'Tell the account owner on their other devices what happened.',
  revoke_other_sessions: 'End the account’s other sessions.',
  start_recovery: 'Open a recovery case for the account.',
};

/**
 * Recommended actions become outbox events, one per action under `ato.action.<action>`, written in
 * one transaction and delivered after commit with retries (webhooks subscribe to `ato.action.*`).
 * The platform carries them out: Custos never touches the user's sessions itself. The rows go
 * through the store's bulk insert: on SQLite that is the writer thread, where the ledger commits,
 * so a refused login never waits on the event loop for the write lock the ledger holds (a
 * transaction here stalled every request for up to the busy timeout under load).
 */
export function createResponder(deps: { store: Pick<Store, 'insertMany'>; outbox: Outbox; clock: Clock }) {
  const { store, outbox, clock } = deps;
  return async function respond(assessmentId: string, body: DecisionBody): Promise<void> {
    const events = body.actions.map((action) =>
      domainEvent(clock, {
        topic: `ato.action.${action}`,
        classUid: ocsfClass.authentication,
        activityId: otherActivity,
        severityId: action === 'notify_user' ? 2 : 4,
        message: actionMessages[action],
        payload: {
          assessmentId,
          action,
          account: body.account,
          device: body.device,
          eventType: body.eventType,
          eventId: body.eventId,
          at: body.at,
          decision: body.decision,
          reasons: body.reasons.filter((r) => r.contribution > 0).map((r) => r.code),
        },
      }),
    );
    const rows = outbox.rows(events);
    if (rows.rows.length > 0) await store.insertMany([rows]);
  };
}
