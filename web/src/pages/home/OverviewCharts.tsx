import '@mantine/charts/styles.css';
import { BarChart, LineChart } from '@mantine/charts';
import { Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { formatCount } from '../../ui/format.js';
import type { Overview } from './overview.js';

type Series = Overview['series'];

const palette = ['red.7', 'orange.7', 'grape.7', 'pink.7', 'violet.7', 'yellow.8', 'cyan.8', 'lime.8'];

const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayHourLabel = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit' });

function ChartCard({
  title,
  summary,
  children,
}: {
  title: string;
  summary: string;
  children: React.ReactNode;
}) {
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

/** Hourly charts of the overview: checks by decision, denies by reason, grants in force. */
export default function OverviewCharts({ series }: { series: Series }) {
  const label = series.window === '7d' ? dayHourLabel : hourLabel;
  const at = series.buckets.map((start) => label.format(new Date(start)));
  const total = (counts: number[]) => counts.reduce((sum, n) => sum + n, 0);

  const grants = series.buckets.map((_, i) => ({ at: at[i], grants: series.activeGrants[i] ?? 0 }));
  const grantsNow = series.activeGrants.at(-1) ?? 0;
  const grantsPeak = Math.max(0, ...series.activeGrants);

  const checks = series.checks;
  const denies = checks?.filter((line) => line.decision === 'deny') ?? [];
  const permits = checks?.filter((line) => line.decision === 'permit') ?? [];
  const byDecision = series.buckets.map((_, i) => ({
    at: at[i],
    permit: permits.reduce((sum, line) => sum + (line.counts[i] ?? 0), 0),
    deny: denies.reduce((sum, line) => sum + (line.counts[i] ?? 0), 0),
  }));
  const byReason = series.buckets.map((_, i) =>
    Object.fromEntries([['at', at[i]], ...denies.map((line) => [line.reason, line.counts[i] ?? 0])]),
  );
  const span = series.window === '7d' ? 'the last 7 days' : 'the last 24 hours';

  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
      {checks ? (
        <>
          <ChartCard
            title="Access checks per hour"
            summary={`${formatCount(total(byDecision.map((b) => b.permit)))} permitted and ${formatCount(
              total(byDecision.map((b) => b.deny)),
            )} denied over ${span}.`}
          >
            <BarChart
              h={220}
              data={byDecision}
              dataKey="at"
              type="stacked"
              withLegend
              barChartProps={{ accessibilityLayer: false }}
              series={[
                { name: 'permit', label: 'Permitted', color: 'teal.7' },
                { name: 'deny', label: 'Denied', color: 'red.7' },
              ]}
            />
          </ChartCard>
          <ChartCard
            title="Denies by reason"
            summary={
              denies.length
                ? denies.map((line) => `${line.reason}: ${formatCount(total(line.counts))}`).join(', ')
                : `No check was denied over ${span}.`
            }
          >
            <BarChart
              h={220}
              data={byReason}
              dataKey="at"
              type="stacked"
              withLegend
              barChartProps={{ accessibilityLayer: false }}
              series={denies.map((line, i) => ({
                name: line.reason,
                color: palette[i % palette.length] as string,
              }))}
            />
          </ChartCard>
        </>
      ) : (
        <Paper withBorder p="md" radius="md">
          <Text size="sm" c="dimmed">
            Check counts by hour are shown to approvers, analysts, auditors and administrators.
          </Text>
        </Paper>
      )}
      <ChartCard
        title="Grants in force"
        summary={`${formatCount(grantsNow)} now; at most ${formatCount(grantsPeak)} over ${span}.`}
      >
        <LineChart
          h={220}
          data={grants}
          dataKey="at"
          curveType="stepAfter"
          withDots={false}
          lineChartProps={{ accessibilityLayer: false }}
          series={[{ name: 'grants', label: 'Grants in force', color: 'indigo.6' }]}
        />
      </ChartCard>
    </SimpleGrid>
  );
}
