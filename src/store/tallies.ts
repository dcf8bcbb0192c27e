import { sql } from 'kysely';
import type { Store } from './store.js';

/** One row of a per-hour tally: decisions answered in the hour starting at `hour`. */
export interface HourlyTally {
  hour: number;
  decision: string;
  reason: string;
  count: number;
}

export const hourMs = 3_600_000;

/** The tables that hold hourly tallies; they share one shape. */
export type TallyTable = 'access_check_counts' | 'ato_decision_counts' | 'discovery_decision_counts';

export type HourlyTallies = ReturnType<typeof createHourlyTallies>;

/**
 * Decisions counted per hour, decision and leading reason, kept in memory and added to `table`
 * (access checks, takeover assessments) by a periodic job and on close: one upsert per flush, never a
 * write per check. A crash loses at most one flush interval of this node's counts; these
 * figures only draw charts, and the ledger, which records every check, stays authoritative.
 */
export function createHourlyTallies(deps: { store: Pick<Store, 'db'>; table: TallyTable }) {
  const { store, table } = deps;
  let pending = new Map<string, HourlyTally>();

  function add(into: Map<string, HourlyTally>, row: HourlyTally) {
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
          .insertInto(table)
          .values(rows)
          .onConflict((oc) =>
            oc
              .columns(['hour', 'decision', 'reason'])
              .doUpdateSet({ count: sql<number>`${sql.ref(`${table}.count`)} + excluded.count` }),
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
    async between(from: number, to: number): Promise<HourlyTally[]> {
      const stored = await store.db
        .selectFrom(table)
        .select(['hour', 'decision', 'reason', 'count'])
        .where('hour', '>=', from)
        .where('hour', '<', to)
        .execute();
      const merged = new Map<string, HourlyTally>();
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
