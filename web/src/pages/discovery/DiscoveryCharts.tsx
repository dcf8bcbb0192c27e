import { HourlyCharts } from '../../ui/HourlyCharts.js';
import { hourlySeries } from '../../ui/hourly.js';
import type { SummaryWindow } from '../../ui/hours.js';
import { reasonLabel, verdictChartColor, verdictTone } from './labels.js';
import { type DiscoverySummary, type DiscoveryVerdict, verdicts } from './types.js';

/** "3 allowed, 1 partly answered, …" */
const counted: Record<DiscoveryVerdict, string> = {
  allow: 'allowed',
  partial: 'partly answered',
  shadow: 'shadowed',
  throttle: 'throttled',
  block: 'blocked',
};

/** Hourly charts of the discovery overview: checks by decision, and what led the ones not allowed. */
export default function DiscoveryCharts({
  summary,
  window,
}: {
  summary: DiscoverySummary;
  window: SummaryWindow;
}) {
  return (
    <HourlyCharts
      series={hourlySeries(summary, verdicts)}
      window={window}
      text={{
        decisionsTitle: 'Checks per hour',
        reasonsTitle: 'Leading reasons of checks not allowed',
        verdicts: verdicts.map((verdict) => ({
          name: verdict,
          label: verdictTone(verdict).label,
          color: verdictChartColor[verdict],
        })),
        counted,
        noReasons: (span) => `Every check was allowed over ${span}.`,
        reasonLabel,
      }}
    />
  );
}
