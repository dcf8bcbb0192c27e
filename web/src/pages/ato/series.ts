import { type HourlySeries, hourlySeries as hourlyCounts, totalsByDecision } from '../../ui/hourly.js';
import { type AtoSummary, type AtoVerdict, verdicts } from './types.js';

// Pure arithmetic on `GET /v1/ato/summary` answers, apart from the page so it can be tested alone.

export { type SummaryWindow, summaryRange } from '../../ui/hours.js';

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
  const { total: assessments, byDecision } = totalsByDecision(summary.counts, verdicts);
  const { reported, matched, byDecision: answered } = summary.takeovers;
  const allowed = answered.allow ?? 0;
  return {
    assessments,
    byDecision,
    challengedShare: assessments === 0 ? null : byDecision.challenge / assessments,
    takeovers: { reported, caught: matched - allowed, allowed, unmatched: reported - matched },
  };
}

/** The summary's counts laid out per hour of its range, for the charts. */
export function hourlySeries(summary: AtoSummary): HourlySeries<AtoVerdict> {
  return hourlyCounts(summary, verdicts);
}
