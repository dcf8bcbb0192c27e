import { SegmentedControl, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { lazy, Suspense } from 'react';
import { formatTime } from '../../ui/format.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { ErrorState, Loading } from '../../ui/states.js';
import { Figures } from './Figures.js';
import { type OverviewWindow, overviewQuery } from './overview.js';

// The charts (recharts and its styles, about half the size of the rest of the console) load
// after the figures, in a chunk of their own.
const OverviewCharts = lazy(() => import('./OverviewCharts.js'));

export function HomePage() {
  const search = useSearch({ from: '/app/' });
  const window: OverviewWindow = search.window ?? '24h';
  const navigate = useNavigate({ from: '/' });
  const overview = useQuery(overviewQuery(window));
  const { data } = overview;

  return (
    <>
      <PageHeader
        title="Overview"
        description="The figures that say whether user data is protected right now. Refreshed every 30 seconds."
      />
      <Stack gap="lg">
        {overview.isError && (
          <ErrorState
            title={
              data ? 'The latest refresh failed; showing earlier figures' : 'The figures could not be loaded'
            }
            error={overview.error}
            onRetry={() => void overview.refetch()}
          />
        )}
        {overview.isPending ? (
          <Loading rows={3} onRetry={() => void overview.refetch()} />
        ) : (
          <Figures data={data} />
        )}
        {data && (
          <Text size="xs" c="dimmed">
            As of {formatTime(data.generatedAt)}
          </Text>
        )}
        <Stack gap="sm">
          <Title order={2} size="h4">
            Over time
          </Title>
          <SegmentedControl
            aria-label="Time span of the charts"
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
          {data ? (
            <Suspense fallback={<Skeleton height={260} role="status" aria-label="Loading charts" />}>
              <OverviewCharts series={data.series} />
            </Suspense>
          ) : (
            !overview.isPending && <Text c="dimmed">The charts need the figures above.</Text>
          )}
        </Stack>
      </Stack>
    </>
  );
}
