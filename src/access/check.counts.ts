import type { Store } from '../store/store.js';
import { createHourlyTallies, type HourlyTallies, type HourlyTally } from '../store/tallies.js';

export { hourMs } from '../store/tallies.js';

/** One row of the per-hour tally: checks answered in the hour starting at `hour`. */
export type CheckCount = HourlyTally;
export type CheckCounts = HourlyTallies;

/** How often a node adds what it counted to the store. */
export const checkCountFlushMs = 60_000;

/**
 * Access checks counted per hour, decision and leading reason (see store/tallies.ts). A crash
 * loses at most one flush interval of this node's counts; these figures only draw charts, and the
 * ledger, which records every check, stays authoritative.
 */
export function createCheckCounts(deps: { store: Pick<Store, 'db'> }): CheckCounts {
  return createHourlyTallies({ store: deps.store, table: 'access_check_counts' });
}
