import type { Clock } from '../core/clock.js';
import { type CustosEvent, createEvent } from '../core/events.js';
import { newId } from '../core/ids.js';

// OCSF 1.8.0 class 3005 User Access Management (category 3, Identity & Access Management):
// activity 1 Assign Privileges, 2 Revoke Privileges, 99 Other (requests and approvals).
const userAccessManagement = 3005;
export const accessActivity = { assign: 1, revoke: 2, other: 99 } as const;

/** An event of the access domain, in the OCSF envelope. */
export function accessEvent(
  clock: Clock,
  input: {
    topic: string;
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
    classUid: userAccessManagement,
    activityId: input.activityId,
    severityId: input.severityId ?? 1,
    time: clock.now(),
    message: input.message,
    ...(input.actorId ? { actor: { user: { uid: input.actorId } } } : {}),
    payload: input.payload,
  });
}
