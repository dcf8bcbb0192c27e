import type { Clock } from '../core/clock.js';
import { type CustosEvent, type DomainEventInput, domainEvent, ocsfClass } from '../core/events.js';

/** OCSF Account Change activities. */
export const accountActivity = { create: 1, passwordChange: 3, disable: 5, delete: 6, other: 99 } as const;

/** An identity event: OCSF Account Change (3001) or Authentication (3002). */
export function identityEvent(
  clock: Clock,
  input: Omit<DomainEventInput, 'classUid'> & { kind: 'account' | 'authentication' },
): CustosEvent {
  const { kind, ...rest } = input;
  return domainEvent(clock, {
    ...rest,
    classUid: kind === 'account' ? ocsfClass.accountChange : ocsfClass.authentication,
  });
}
