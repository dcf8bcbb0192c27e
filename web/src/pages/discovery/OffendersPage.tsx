import { Anchor, Code, SegmentedControl, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { createLink, useNavigate } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client.js';
import { type Column, DataTable } from '../../ui/DataTable.js';
import { formatCount, formatTime } from '../../ui/format.js';
import { type SummaryWindow, summaryRange, windowWords } from '../../ui/hours.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, QueryView } from '../../ui/states.js';
import { accountState } from './account-link.js';
import { formatPoints, reasonLabel } from './labels.js';
import { discoveryOffendersRoute } from './routes.js';
import type { Offender } from './types.js';
import { DiscoveryVerdictBadge } from './Verdict.js';

const AnchorLink = createLink(Anchor);

const columns: Column<Offender>[] = [
  {
    key: 'account',
    header: 'Account',
    cell: (o) => (
      <AnchorLink
        to="/discovery/decisions"
        state={accountState(o.account)}
        aria-label={`Decisions of ${o.account}`}
      >
        <Code>{o.account}</Code>
      </AnchorLink>
    ),
  },
  { key: 'score', header: 'Highest score', cell: (o) => formatPoints(o.maxScore) },
  { key: 'decisions', header: 'Decisions not allowed', cell: (o) => formatCount(o.decisions) },
  { key: 'numbers', header: 'Numbers asked', hideOnPhone: true, cell: (o) => formatCount(o.numbers) },
  {
    key: 'last',
    header: 'Latest answer',
    cell: (o) => <DiscoveryVerdictBadge decision={o.lastDecision} size="sm" />,
  },
  {
    key: 'reason',
    header: 'Its leading reason',
    hideOnPhone: true,
    cell: (o) => (o.reason === 'none' ? reasonLabel(o.reason) : <Code>{o.reason}</Code>),
  },
  { key: 'at', header: 'Latest at', hideOnPhone: true, cell: (o) => formatTime(o.lastAt) },
];

/** The accounts most often refused or shadowed in the window, worst score first. */
export function OffendersPage() {
  const search = discoveryOffendersRoute.useSearch();
  const window: SummaryWindow = search.window ?? '24h';
  const navigate = useNavigate({ from: '/discovery/offenders' });
  const offenders = useQuery({
    queryKey: ['discovery', 'offenders', window],
    queryFn: () =>
      unwrap(
        api.GET('/v1/discovery/offenders', {
          params: { query: { ...summaryRange(window, Date.now()), limit: 100 } },
        }),
      ),
    refetchInterval: 60_000,
  });

  return (
    <>
      <PageHeader
        title="Top offenders"
        description="Accounts whose checks were cut short, shadowed, throttled or blocked, the highest score first. Open an account to see each of its decisions and why."
      />
      <Stack gap="md">
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
        <QueryView query={offenders}>
          {({ offenders: rows }) =>
            rows.length === 0 ? (
              <EmptyState title="No offender">
                Every check over {windowWords(window)} was allowed in full, or none was made.
              </EmptyState>
            ) : (
              <Stack gap="xs">
                <Text size="sm" c="dimmed">
                  {rows.length === 1 ? 'One account' : `${rows.length} accounts`} over {windowWords(window)},
                  by the checks’ own times.
                </Text>
                <DataTable
                  caption="Accounts with checks not allowed, worst first"
                  rows={rows}
                  columns={columns}
                  rowKey={(o) => o.account}
                />
              </Stack>
            )
          }
        </QueryView>
      </Stack>
    </>
  );
}
