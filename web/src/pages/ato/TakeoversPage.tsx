import { Code } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client.js';
import { type Column, DataTable } from '../../ui/DataTable.js';
import { formatTime } from '../../ui/format.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, QueryView } from '../../ui/states.js';
import { methodLabel } from './labels.js';
import type { Takeover } from './types.js';

const listLimit = 200;

const columns: Column<Takeover>[] = [
  { key: 'happened', header: 'Happened', cell: (t) => formatTime(t.happenedAt) },
  { key: 'account', header: 'Account', cell: (t) => <Code>{t.account}</Code> },
  { key: 'method', header: 'Method', cell: (t) => methodLabel(t.method) },
  {
    key: 'event',
    header: 'Event',
    hideOnPhone: true,
    cell: (t) => (t.eventId ? <Code>{t.eventId}</Code> : '—'),
  },
  { key: 'reported', header: 'Reported', hideOnPhone: true, cell: (t) => formatTime(t.reportedAt) },
  { key: 'reporter', header: 'Reported by', hideOnPhone: true, cell: (t) => <Code>{t.reporter}</Code> },
];

/** Takeovers the platform confirmed, newest first; each opens its timeline. */
export function TakeoversPage() {
  const navigate = useNavigate();
  const takeovers = useQuery({
    queryKey: ['ato', 'takeovers'],
    queryFn: () => unwrap(api.GET('/v1/ato/takeovers', { params: { query: { limit: listLimit } } })),
  });
  return (
    <>
      <PageHeader
        title="Confirmed takeovers"
        description="Accounts the platform confirmed were taken over, the ground truth Custos’s decisions are measured against. Open one to see the account’s assessments around it."
      />
      <QueryView query={takeovers}>
        {({ takeovers: rows }) =>
          rows.length === 0 ? (
            <EmptyState title="No takeover confirmed">
              The platform reports confirmed takeovers with <Code>POST /v1/auth/takeovers</Code>; they are
              listed here with the decision that let the attacker in.
            </EmptyState>
          ) : (
            <DataTable
              caption="Confirmed takeovers, newest first"
              rows={rows}
              columns={columns}
              rowKey={(t) => t.id}
              onSelect={(id) => id && void navigate({ to: '/ato/takeovers/$id', params: { id } })}
              rowLabel={(t) =>
                `Takeover of ${t.account}, ${methodLabel(t.method)}, ${formatTime(t.happenedAt)}`
              }
            />
          )
        }
      </QueryView>
    </>
  );
}
