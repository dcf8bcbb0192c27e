import type { Clock } from '../core/clock.js';
import { type CustosEvent, createEvent } from '../core/events.js';
import { newId } from '../core/ids.js';

// OCSF classes used by identity events: Account Change (3001) and Authentication (3002).
const accountChange = 3001;
const authentication = 3002;

/** OCSF Account Change activities. */
export const accountActivity = { create: 1, passwordChange: 3, disable: 5, delete: 6, other: 99 } as const;

/** Builds an identity event with actor and payload; the outbox carries it after commit. */
export function identityEvent(
  clock: Clock,
  input: {
    topic: string;
    kind: 'account' | 'authentication';
    activityId: number;
    message: string;
    actorId?: string | undefined;
    severityId?: number;
    payload: Record<string, unknown>;
  },
): CustosEvent {
  return createEvent({
    uid: newId('evt', clock),
    topic: input.topic,
    classUid: input.kind === 'account' ? accountChange : authentication,
    activityId: input.activityId,
    severityId: input.severityId ?? 1,
    time: clock.now(),
    message: input.message,
    ...(input.actorId ? { actor: { user: { uid: input.actorId } } } : {}),
    payload: input.payload,
  });
}
