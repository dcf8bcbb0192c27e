import { Alert, Code, Stack, Text } from '@mantine/core';
import { IconFileSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client.js';
import { type Column, DataTable } from '../../ui/DataTable.js';
import { formatTime } from '../../ui/format.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, QueryView } from '../../ui/states.js';
import { cohortLabel } from './labels.js';
import type { CanaryHit } from './types.js';

const columns: Column<CanaryHit>[] = [
  { key: 'number', header: 'Canary number', cell: (h) => <Code>{h.number}</Code> },
  { key: 'account', header: 'Answered to', cell: (h) => <Code>{h.account}</Code> },
  { key: 'cohort', header: 'Cohort', cell: (h) => cohortLabel(h.cohort) },
  { key: 'period', header: 'Rotation period', hideOnPhone: true, cell: (h) => String(h.period) },
  { key: 'at', header: 'When', cell: (h) => formatTime(h.at) },
  { key: 'check', header: 'Check', hideOnPhone: true, cell: (h) => <Code>{h.check}</Code> },
];

/** Where a leaked dump is traced. */
function Attribution() {
  return (
    <Alert variant="light" color="blue" icon={<IconFileSearch aria-hidden />} title="Tracing a leaked dump">
      <Text size="sm">
        {/* The alert's own text colour: the theme's link blue on the alert's blue falls short of 4.5:1. */}
        Upload a dump on{' '}
        <Link
          to="/discovery/attributions"
          style={{ color: 'inherit', textDecoration: 'underline', fontWeight: 600 }}
        >
          Leak attribution
        </Link>
        , or run <Code>custos discovery attribute --dump FILE --save</Code> where the dump is. Either lists
        the canaries in it, the accounts they were shown to and when, and records the report on the ledger.
      </Text>
    </Alert>
  );
}

/** Canary numbers answered "registered", newest first: which account saw which, and when. */
export function CanaryHitsPage() {
  const hits = useQuery({
    queryKey: ['discovery', 'canary-hits'],
    queryFn: () => unwrap(api.GET('/v1/discovery/canary-hits', { params: { query: { limit: 200 } } })),
    refetchInterval: 60_000,
  });
  return (
    <>
      <PageHeader
        title="Canary hits"
        description="Numbers from ranges you own and never give to anyone, answered “registered” to the account that looked them up. Each account (or bucket of accounts) is shown its own set, so a leaked dump holding some of them says whose lookups it came from."
      />
      <Stack gap="md">
        <Attribution />
        <QueryView query={hits}>
          {({ hits: rows }) =>
            rows.length === 0 ? (
              <EmptyState title="No canary answered yet">
                Either no check asked for a canary number, or no canary range is set up in{' '}
                <Code>discovery.canaries.prefixes</Code>.
              </EmptyState>
            ) : (
              <Stack gap="xs">
                <Text size="sm" c="dimmed">
                  The latest {rows.length === 1 ? 'hit' : `${rows.length} hits`}, newest first.
                </Text>
                <DataTable
                  caption="Canary numbers answered registered, newest first"
                  rows={rows}
                  columns={columns}
                  rowKey={(h) => `${h.check} ${h.number}`}
                />
              </Stack>
            )
          }
        </QueryView>
      </Stack>
    </>
  );
}
