import { Anchor, SegmentedControl, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { lazy, Suspense } from 'react';
import { formatTime } from '../../ui/format.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { ErrorState, Loading } from '../../ui/states.js';
import { Figures } from './Figures.js';
import { atoOverviewRoute } from './routes.js';
import { hourlySeries, type SummaryWindow, summaryFigures } from './series.js';
import { summaryQuery } from './summary.js';

// The charts (recharts) load after the figures, in a chunk of their own.
const AtoCharts = lazy(() => import('./AtoCharts.js'));

export function AtoOverviewPage() {
  const search = atoOverviewRoute.useSearch();
  const window: SummaryWindow = search.window ?? '24h';
  const navigate = useNavigate({ from: '/ato' });
  const summary = useQuery(summaryQuery(window));
  const { data } = summary;
  const span = window === '7d' ? 'the last 7 days' : 'the last 24 hours';

  return (
    <>
      <PageHeader
        title="Takeover defence"
        description={
          <>
            How registrations, codes, PINs and logins were answered over {span}, and whether confirmed
            takeovers were caught. Search single assessments under{' '}
            <Anchor component={Link} to="/ato/decisions">
              login decisions
            </Anchor>
            .
          </>
        }
      />
      <Stack gap="lg">
        <SegmentedControl
          aria-label="Time span"
          w="fit-content"
          value={window}
          onChange={(value) =>
            void navigate({ search: { window: value === '7d' ? '7d' : undefined }, replace: true })
          }
          data={[
            { value: '24h', label: 'Last 24 hours' },
            { value: '7d', label: 'Last 7 days' },
          ]}
        />
        {summary.isError && (
          <ErrorState
            title={
              data ? 'The latest refresh failed; showing earlier figures' : 'The figures could not be loaded'
            }
            error={summary.error}
            onRetry={() => void summary.refetch()}
          />
        )}
        {summary.isPending ? (
          <Loading rows={2} onRetry={() => void summary.refetch()} />
        ) : (
          <Figures figures={data && summaryFigures(data)} />
        )}
        {data && (
          <Text size="xs" c="dimmed">
            From {formatTime(data.from)} to {formatTime(data.to)}, by the events’ own times. Refreshed every
            minute.
          </Text>
        )}
        <Stack gap="sm">
          <Title order={2} size="h4">
            Over time
          </Title>
          {data ? (
            <Suspense fallback={<Skeleton height={280} role="status" aria-label="Loading charts" />}>
              <AtoCharts series={hourlySeries(data)} window={window} />
            </Suspense>
          ) : (
            !summary.isPending && <Text c="dimmed">The charts need the figures above.</Text>
          )}
        </Stack>
      </Stack>
    </>
  );
}
