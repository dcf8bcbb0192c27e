import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { SimpleGrid } from '@mantine/core';
import { ChartCard } from './ChartCard.js';
import { formatCount } from './format.js';
import type { HourlySeries } from './hourly.js';
import { hourAxisLabels, type SummaryWindow, windowWords } from './hours.js';

const palette = ['red.7', 'orange.7', 'grape.7', 'violet.7', 'cyan.8'];

export interface HourlyChartsText<V extends string> {
  /** Title of the chart of decisions, e.g. "Assessments per hour". */
  decisionsTitle: string;
  /** Title of the chart of leading reasons. */
  reasonsTitle: string;
  /** Each decision as a chart legend shows it, with its colour. */
  verdicts: { name: V; label: string; color: string }[];
  /** Each decision as a count reads in a sentence: "3 allowed". */
  counted: Record<V, string>;
  /** The reason chart's sentence when nothing but allows happened, given "the last 24 hours". */
  noReasons: (span: string) => string;
  /** A leading reason as the legend names it. */
  reasonLabel?: (reason: string) => string;
}

/**
 * The two hourly charts of a module's overview: decisions per hour, stacked, and the reasons that
 * led the decisions other than allow. Only ever loaded lazily (recharts is large).
 */
export function HourlyCharts<V extends string>({
  series,
  window,
  text,
}: {
  series: HourlySeries<V>;
  window: SummaryWindow;
  text: HourlyChartsText<V>;
}) {
  const span = windowWords(window);
  const at = hourAxisLabels(series.hours, window);
  const byDecision = series.decisions.map((counts, i) => ({ at: at[i], ...counts }));
  const byReason = series.reasonCounts.map((counts, i) => ({ at: at[i], ...counts }));
  const totals = text.verdicts.map(({ name }) => ({
    name,
    total: series.decisions.reduce((sum, counts) => sum + counts[name], 0),
  }));
  const reasonLabel = text.reasonLabel ?? ((reason: string) => reason);
  const reasonSeries = [
    ...series.reasons.map((r, i) => ({
      name: r.key,
      label: reasonLabel(r.reason),
      color: palette[i % palette.length] as string,
    })),
    ...(series.otherTotal > 0 ? [{ name: 'other', label: 'other reasons', color: 'gray.6' }] : []),
  ];

  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
      <ChartCard
        title={text.decisionsTitle}
        summary={`${totals
          .map(({ name, total }) => `${formatCount(total)} ${text.counted[name]}`)
          .join(', ')} over ${span}.`}
      >
        <BarChart
          h={240}
          data={byDecision}
          dataKey="at"
          type="stacked"
          withLegend
          barChartProps={{ accessibilityLayer: false }}
          yAxisProps={{ allowDecimals: false }}
          series={text.verdicts}
        />
      </ChartCard>
      <ChartCard
        title={text.reasonsTitle}
        summary={
          series.reasons.length
            ? `${series.reasons.map((r) => `${reasonLabel(r.reason)}: ${formatCount(r.total)}`).join(', ')}${
                series.otherTotal ? `, other reasons: ${formatCount(series.otherTotal)}` : ''
              }.`
            : text.noReasons(span)
        }
      >
        <BarChart
          h={240}
          data={byReason}
          dataKey="at"
          type="stacked"
          withLegend
          barChartProps={{ accessibilityLayer: false }}
          yAxisProps={{ allowDecimals: false }}
          series={reasonSeries}
        />
      </ChartCard>
    </SimpleGrid>
  );
}
