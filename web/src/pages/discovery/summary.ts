import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.js';
import { totalsByDecision } from '../../ui/hourly.js';
import { type SummaryWindow, summaryRange } from '../../ui/hours.js';
import { type DiscoverySummary, type DiscoveryVerdict, verdicts } from './types.js';

/** The summary of the last 24 hours or 7 days, refreshed every minute while the page is open. */
export const summaryQuery = (window: SummaryWindow) =>
  queryOptions({
    queryKey: ['discovery', 'summary', window],
    // The range is taken when the request is made, so a refresh after the hour turns moves with it.
    queryFn: () =>
      unwrap(api.GET('/v1/discovery/summary', { params: { query: summaryRange(window, Date.now()) } })),
    refetchInterval: 60_000,
  });

export interface DiscoveryFigures {
  checks: number;
  byDecision: Record<DiscoveryVerdict, number>;
  /** Checks answered with anything but allow. */
  notAllowed: number;
  /** Share of checks not allowed, 0-1; null with no check. */
  notAllowedShare: number | null;
  fleets: number;
}

/** The headline figures of a summary. */
export function discoveryFigures(summary: DiscoverySummary): DiscoveryFigures {
  const { total: checks, byDecision } = totalsByDecision(summary.counts, verdicts);
  // Anything the console does not know the name of counts as not allowed too.
  const notAllowed = checks - byDecision.allow;
  return {
    checks,
    byDecision,
    notAllowed,
    notAllowedShare: checks === 0 ? null : notAllowed / checks,
    fleets: summary.fleets,
  };
}
