import { HourlyCharts } from '../../ui/HourlyCharts.js';
import type { HourlySeries } from '../../ui/hourly.js';
import type { SummaryWindow } from '../../ui/hours.js';
import { verdictChartColor, verdictTone } from './labels.js';
import { type AtoVerdict, verdicts } from './types.js';

/** "3 allowed, 1 challenged, 0 denied, 0 devices locked". */
const verdictWord: Record<AtoVerdict, string> = {
  allow: 'allowed',
  challenge: 'challenged',
  deny: 'denied',
  lock_device: 'devices locked',
};

/** Hourly charts of the takeover overview: assessments by decision, and what led the refusals. */
export default function AtoCharts({
  series,
  window,
}: {
  series: HourlySeries<AtoVerdict>;
  window: SummaryWindow;
}) {
  return (
    <HourlyCharts
      series={series}
      window={window}
      text={{
        decisionsTitle: 'Assessments per hour',
        reasonsTitle: 'Leading reasons of challenges, denials and locks',
        verdicts: verdicts.map((verdict) => ({
          name: verdict,
          label: verdictTone(verdict).label,
          color: verdictChartColor[verdict],
        })),
        counted: verdictWord,
        noReasons: (span) => `Nothing was challenged, denied or locked over ${span}.`,
        reasonLabel: (reason) => (reason === 'none' ? 'no risk reason' : reason),
      }}
    />
  );
}
