import { hourStarts } from './hours.js';

// Pure arithmetic on the modules' hourly summaries (`{from, to, counts: [{hour, decision, reason,
// count}]}`), laid out for the overview charts; apart from the pages so it can be tested alone.

export interface HourlyCount {
  hour: number;
  decision: string;
  reason: string;
  count: number;
}

export interface HourlySeries<V extends string> {
  /** Start of each hour, oldest first. */
  hours: number[];
  /** Per hour, the count of each decision. */
  decisions: Array<Record<V, number>>;
  /**
   * The reasons that led most decisions other than allow, most frequent first, each with the key
   * of its counts (`r0`, `r1`…: reason codes hold dots, which charts read as paths).
   */
  reasons: Array<{ key: string; reason: string; total: number }>;
  /** Per hour, the count led by each of `reasons` under its key, and `other` for the rest. */
  reasonCounts: Array<Record<string, number>>;
  /** Decisions other than allow led by reasons outside the top ones. */
  otherTotal: number;
}

/** How many reasons a chart names; the rest are summed as "other reasons". */
export const topReasons = 5;

const zeroes = <V extends string>(verdicts: readonly V[]) =>
  Object.fromEntries(verdicts.map((v) => [v, 0])) as Record<V, number>;

/** Counts per decision over a whole summary; decisions outside `verdicts` are left out. */
export function totalsByDecision<V extends string>(
  counts: readonly HourlyCount[],
  verdicts: readonly V[],
): { total: number; byDecision: Record<V, number> } {
  const byDecision = zeroes(verdicts);
  let total = 0;
  for (const row of counts) {
    total += row.count;
    if ((verdicts as readonly string[]).includes(row.decision)) byDecision[row.decision as V] += row.count;
  }
  return { total, byDecision };
}

/** A summary's counts laid out per hour of its range, for the charts. */
export function hourlySeries<V extends string>(
  summary: { from: number; to: number; counts: readonly HourlyCount[] },
  verdicts: readonly V[],
): HourlySeries<V> {
  const hours = hourStarts(summary.from, summary.to);
  const index = new Map(hours.map((hour, i) => [hour, i]));
  const decisions = hours.map(() => zeroes(verdicts));
  const totals = new Map<string, number>();
  for (const row of summary.counts) {
    const i = index.get(row.hour);
    if (i === undefined) continue;
    const bucket = decisions[i];
    if (bucket && (verdicts as readonly string[]).includes(row.decision))
      bucket[row.decision as V] += row.count;
    if (row.decision !== 'allow') totals.set(row.reason, (totals.get(row.reason) ?? 0) + row.count);
  }
  const ranked = [...totals.entries()]
    .map(([reason, total]) => ({ reason, total }))
    .sort((a, b) => b.total - a.total || a.reason.localeCompare(b.reason));
  const reasons = ranked.slice(0, topReasons).map((r, i) => ({ key: `r${i}`, ...r }));
  const keyOf = new Map(reasons.map((r) => [r.reason, r.key]));
  const reasonCounts = hours.map(() =>
    Object.fromEntries([...reasons.map((r) => r.key), 'other'].map((key) => [key, 0])),
  );
  for (const row of summary.counts) {
    const i = index.get(row.hour);
    if (i === undefined || row.decision === 'allow') continue;
    const bucket = reasonCounts[i] as Record<string, number>;
    const key = keyOf.get(row.reason) ?? 'other';
    bucket[key] = (bucket[key] ?? 0) + row.count;
  }
  const otherTotal = ranked.slice(topReasons).reduce((sum, r) => sum + r.total, 0);
  return { hours, decisions, reasons, reasonCounts, otherTotal };
}
