import { Anchor, SegmentedControl, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { createLink, useNavigate } from '@tanstack/react-router';
import { lazy, Suspense } from 'react';
import { formatTime } from '../../ui/format.js';
import { type SummaryWindow, windowWords } from '../../ui/hours.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { ErrorState, Loading } from '../../ui/states.js';
import { Figures } from './Figures.js';
import { discoveryOverviewRoute } from './routes.js';
import { discoveryFigures, summaryQuery } from './summary.js';

// The charts (recharts) load after the figures, in a chunk of their own.
const DiscoveryCharts = lazy(() => import('./DiscoveryCharts.js'));
const AnchorLink = createLink(Anchor);

export function DiscoveryOverviewPage() {
  const search = discoveryOverviewRoute.useSearch();
  const window: SummaryWindow = search.window ?? '24h';
  const navigate = useNavigate({ from: '/discovery' });
  const summary = useQuery(summaryQuery(window));
  const { data } = summary;

  return (
    <>
      <PageHeader
        title="Contact discovery"
        description={
          <>
            How address-book syncs were answered over {windowWords(window)}: checks let through, cut short,
            shadowed, throttled or blocked. See the{' '}
            <AnchorLink to="/discovery/offenders" search={{ window: search.window }}>
              top offenders
            </AnchorLink>{' '}
            and the <AnchorLink to="/discovery/fleets">flagged fleets</AnchorLink>.
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
          <Figures figures={data && discoveryFigures(data)} />
        )}
        {data && (
          <Text size="xs" c="dimmed">
            From {formatTime(data.from)} to {formatTime(data.to)}, by the checks’ own times. Each node adds
            its counts every minute; refreshed every minute.
          </Text>
        )}
        <Stack gap="sm">
          <Title order={2} size="h4">
            Over time
          </Title>
          {data ? (
            <Suspense fallback={<Skeleton height={280} role="status" aria-label="Loading charts" />}>
              <DiscoveryCharts summary={data} window={window} />
            </Suspense>
          ) : (
            !summary.isPending && <Text c="dimmed">The charts need the figures above.</Text>
          )}
        </Stack>
      </Stack>
    </>
  );
}
