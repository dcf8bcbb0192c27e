import type { Clock } from '../core/clock.js';
import { type CustosEvent, type DomainEventInput, domainEvent, ocsfClass } from '../core/events.js';

// OCSF User Access Management activities: 1 Assign Privileges, 2 Revoke Privileges, 99 Other
// (requests and approvals).
export const accessActivity = { assign: 1, revoke: 2, other: 99 } as const;

/** An event of the access domain: OCSF class 3005 User Access Management. */
export function accessEvent(clock: Clock, input: Omit<DomainEventInput, 'classUid'>): CustosEvent {
  return domainEvent(clock, { ...input, classUid: ocsfClass.userAccessManagement });
}
