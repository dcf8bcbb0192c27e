import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { formatCount } from '../../ui/format.js';
import { verdictChartColor, verdictTone } from './labels.js';
import type { HourlySeries, SummaryWindow } from './series.js';
import { verdicts } from './types.js';

const palette = ['red.7', 'orange.7', 'grape.7', 'violet.7', 'cyan.8'];

/** "3 allowed, 1 challenged, 0 denied, 0 devices locked". */
const verdictWord: Record<string, string> = {
  allow: 'allowed',
  challenge: 'challenged',
  deny: 'denied',
  lock_device: 'devices locked',
};

const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayHourLabel = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit' });

function ChartCard({ title, summary, children }: { title: string; summary: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="xs">
        <Title order={3} size="h5">
          {title}
        </Title>
        {/* The chart is drawn for the eye; this sentence carries its gist for everyone. */}
        <Text size="sm" c="dimmed">
          {summary}
        </Text>
        <div aria-hidden>{children}</div>
      </Stack>
    </Paper>
  );
}

/** Hourly charts of the takeover overview: assessments by decision, and what led the refusals. */
export default function AtoCharts({ series, window }: { series: HourlySeries; window: SummaryWindow }) {
  const label = window === '7d' ? dayHourLabel : hourLabel;
  const span = window === '7d' ? 'the last 7 days' : 'the last 24 hours';
  const at = series.hours.map((hour) => label.format(new Date(hour)));
  const byDecision = series.decisions.map((counts, i) => ({ at: at[i], ...counts }));
  const byReason = series.reasonCounts.map((counts, i) => ({ at: at[i], ...counts }));
  const totals = verdicts.map((verdict) => ({
    verdict,
    total: series.decisions.reduce((sum, counts) => sum + counts[verdict], 0),
  }));
  const reasonSeries = [
    ...series.reasons.map((r, i) => ({
      name: r.key,
      label: r.reason === 'none' ? 'no risk reason' : r.reason,
      color: palette[i % palette.length] as string,
    })),
    ...(series.otherTotal > 0 ? [{ name: 'other', label: 'other reasons', color: 'gray.6' }] : []),
  ];

  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
      <ChartCard
        title="Assessments per hour"
        summary={`${totals
          .map(({ verdict, total }) => `${formatCount(total)} ${verdictWord[verdict]}`)
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
          series={verdicts.map((verdict) => ({
            name: verdict,
            label: verdictTone(verdict).label,
            color: verdictChartColor[verdict],
          }))}
        />
      </ChartCard>
      <ChartCard
        title="Leading reasons of challenges, denials and locks"
        summary={
          series.reasons.length
            ? `${series.reasons.map((r) => `${r.reason}: ${formatCount(r.total)}`).join(', ')}${
                series.otherTotal ? `, other reasons: ${formatCount(series.otherTotal)}` : ''
              }.`
            : `Nothing was challenged, denied or locked over ${span}.`
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
