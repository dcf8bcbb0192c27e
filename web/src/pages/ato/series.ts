import { type AtoSummary, type AtoVerdict, verdicts } from './types.js';

// Pure arithmetic on `GET /v1/ato/summary` answers, apart from the page so it can be tested alone.

export type SummaryWindow = '24h' | '7d';

const hourMs = 3_600_000;
const windowHours: Record<SummaryWindow, number> = { '24h': 24, '7d': 7 * 24 };

/** The hours a window covers, ending with the current hour: [from, to) on hour boundaries. */
export function summaryRange(window: SummaryWindow, now: number): { from: number; to: number } {
  const to = now - (now % hourMs) + hourMs;
  return { from: to - windowHours[window] * hourMs, to };
}

export interface SummaryFigures {
  assessments: number;
  byDecision: Record<AtoVerdict, number>;
  /** Share of assessments answered with a challenge, 0-1; null with no assessment. */
  challengedShare: number | null;
  takeovers: {
    reported: number;
    /** Takeovers whose event was answered with a challenge, denial or lock. */
    caught: number;
    /** Takeovers whose event was allowed: the misses. */
    allowed: number;
    /** Takeovers with no event id, or one Custos never assessed. */
    unmatched: number;
  };
}

/** The headline figures of a summary. */
export function summaryFigures(summary: AtoSummary): SummaryFigures {
  const byDecision: Record<AtoVerdict, number> = { allow: 0, challenge: 0, deny: 0, lock_device: 0 };
  let assessments = 0;
  for (const row of summary.counts) {
    assessments += row.count;
    if (row.decision in byDecision) byDecision[row.decision as AtoVerdict] += row.count;
  }
  const { reported, matched, byDecision: answered } = summary.takeovers;
  const allowed = answered.allow ?? 0;
  return {
    assessments,
    byDecision,
    challengedShare: assessments === 0 ? null : byDecision.challenge / assessments,
    takeovers: { reported, caught: matched - allowed, allowed, unmatched: reported - matched },
  };
}

export interface HourlySeries {
  /** Start of each hour, oldest first. */
  hours: number[];
  /** Per hour, the count of each decision. */
  decisions: Array<Record<AtoVerdict, number>>;
  /**
   * The reasons that led most challenges, denials and locks, most frequent first, each with the
   * key of its counts (`r0`, `r1`…: reason codes hold dots, which charts read as paths).
   */
  reasons: Array<{ key: string; reason: string; total: number }>;
  /** Per hour, the count led by each of `reasons` under its key, and `other` for the rest. */
  reasonCounts: Array<Record<string, number>>;
  /** Challenges, denials and locks led by reasons outside the top ones. */
  otherTotal: number;
}

/** How many reasons the chart names; the rest are summed as "other reasons". */
export const topReasons = 5;

/** The summary's counts laid out per hour of its range, for the charts. */
export function hourlySeries(summary: AtoSummary): HourlySeries {
  const hours: number[] = [];
  for (let hour = summary.from - (summary.from % hourMs); hour < summary.to; hour += hourMs) hours.push(hour);
  const index = new Map(hours.map((hour, i) => [hour, i]));
  const decisions = hours.map(() => ({ allow: 0, challenge: 0, deny: 0, lock_device: 0 }));
  const totals = new Map<string, number>();
  for (const row of summary.counts) {
    const i = index.get(row.hour);
    if (i === undefined) continue;
    const bucket = decisions[i];
    if (bucket && verdicts.includes(row.decision as AtoVerdict))
      bucket[row.decision as AtoVerdict] += row.count;
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
