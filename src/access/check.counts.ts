import { sql } from 'kysely';
import type { Store } from '../store/store.js';

/** One row of the per-hour tally: checks answered in the hour starting at `hour`. */
export interface CheckCount {
  hour: number;
  decision: string;
  reason: string;
  count: number;
}

export const hourMs = 3_600_000;
/** How often a node adds what it counted to the store. */
export const checkCountFlushMs = 60_000;

export type CheckCounts = ReturnType<typeof createCheckCounts>;

/**
 * Access checks counted per hour, decision and leading reason, kept in memory and added to the
 * `access_check_counts` table by a periodic job and on close: one upsert per flush, never a
 * write per check. A crash loses at most one flush interval of this node's counts; these
 * figures only draw charts, and the ledger, which records every check, stays authoritative.
 */
export function createCheckCounts(deps: { store: Pick<Store, 'db'> }) {
  const { store } = deps;
  let pending = new Map<string, CheckCount>();

  function add(into: Map<string, CheckCount>, row: CheckCount) {
    const key = `${row.hour} ${row.decision} ${row.reason}`;
    const held = into.get(key);
    if (held) held.count += row.count;
    else into.set(key, { ...row });
  }

  return {
    /** Counts one answered check; memory only. */
    record(decision: string, reason: string, at: number): void {
      add(pending, { hour: at - (at % hourMs), decision, reason, count: 1 });
    },

    /**
     * Adds the counts held in memory to the store. Rows are added to, not replaced, so several
     * nodes flush into the same hours; on failure the counts stay held for the next flush.
     */
    async flush(): Promise<void> {
      if (pending.size === 0) return;
      const rows = [...pending.values()];
      pending = new Map();
      try {
        await store.db
          .insertInto('access_check_counts')
          .values(rows)
          .onConflict((oc) =>
            oc
              .columns(['hour', 'decision', 'reason'])
              .doUpdateSet({ count: sql<number>`access_check_counts.count + excluded.count` }),
          )
          .execute();
      } catch (error) {
        for (const row of rows) add(pending, row);
        throw error;
      }
    },

    /**
     * Counts for hours starting in [from, to): the stored rows plus what this node has not yet
     * flushed (other nodes' unflushed counts show up within a flush interval).
     */
    async between(from: number, to: number): Promise<CheckCount[]> {
      const stored = await store.db
        .selectFrom('access_check_counts')
        .select(['hour', 'decision', 'reason', 'count'])
        .where('hour', '>=', from)
        .where('hour', '<', to)
        .execute();
      const merged = new Map<string, CheckCount>();
      for (const row of stored)
        add(merged, {
          hour: Number(row.hour),
          decision: row.decision,
          reason: row.reason,
          count: Number(row.count),
        });
      for (const row of pending.values()) if (row.hour >= from && row.hour < to) add(merged, row);
      return [...merged.values()];
    },
  };
}
