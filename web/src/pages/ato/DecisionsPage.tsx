import { Button, Card, Code, Stack, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.js';
import { CursorPager } from '../../ui/CursorPager.js';
import { type Column, DataTable } from '../../ui/DataTable.js';
import { formatTime } from '../../ui/format.js';
import { ListWithPanel } from '../../ui/ListWithPanel.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, QueryView } from '../../ui/states.js';
import { DecisionPanel } from './DecisionPanel.js';
import { DecisionSearchForm, type Filters } from './DecisionSearchForm.js';
import { eventTypeLabel, formatScore, reasonLabel } from './labels.js';
import { atoDecisionsRoute } from './routes.js';
import type { DecisionRow } from './types.js';
import { AtoVerdictBadge } from './Verdict.js';

const pageSize = 50;

const dash = (value: string | null) => value ?? '—';

// Day and time without the year: rows are recent, and the column stays on one line.
const rowTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const nowrap = (text: string) => (
  <Text span size="sm" style={{ whiteSpace: 'nowrap' }}>
    {text}
  </Text>
);

const columns: Column<DecisionRow>[] = [
  { key: 'at', header: 'Time', cell: (d) => nowrap(rowTime.format(new Date(d.at))) },
  { key: 'event', header: 'Event', cell: (d) => eventTypeLabel(d.eventType) },
  { key: 'account', header: 'Account', cell: (d) => (d.account ? <Code>{d.account}</Code> : '—') },
  { key: 'phone', header: 'Number', hideOnPhone: true, cell: (d) => nowrap(dash(d.phone)) },
  { key: 'ip', header: 'IP address', hideOnPhone: true, cell: (d) => dash(d.ip) },
  { key: 'decision', header: 'Decision', cell: (d) => <AtoVerdictBadge decision={d.decision} size="sm" /> },
  { key: 'score', header: 'Score', hideOnPhone: true, cell: (d) => formatScore(d.score) },
  {
    key: 'reason',
    header: 'Leading reason',
    hideOnPhone: true,
    cell: (d) => (d.reason === 'none' ? reasonLabel(d.reason) : <Code>{d.reason}</Code>),
  },
];
/** With the panel open the list narrows to what tells rows apart; the panel shows the rest. */
const narrowColumns = columns.filter((c) => ['at', 'event', 'account', 'decision'].includes(c.key));

/**
 * Assessments by account, number or address, newest first, a page at a time. The filters and the
 * page's cursor live in the page (they name people); only the open assessment's id is in the URL.
 */
export function DecisionsPage() {
  const search = atoDecisionsRoute.useSearch();
  const navigate = atoDecisionsRoute.useNavigate();
  const [filters, setFilters] = useState<Filters>({});
  // Cursors of the pages before this one, so "Newer" can go back; the last is this page's.
  const [cursors, setCursors] = useState<string[]>([]);
  // Bumped to empty the form when the search is cleared from the "no match" state.
  const [formKey, setFormKey] = useState(0);
  const cursor = cursors.at(-1);
  const decisions = useQuery({
    queryKey: ['ato', 'decisions', filters, cursor ?? null],
    queryFn: () =>
      unwrap(
        api.POST('/v1/ato/decisions/search', {
          body: { ...filters, limit: pageSize, ...(cursor ? { cursor } : {}) },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const select = (selected: string | undefined) =>
    void navigate({ search: (prev) => ({ ...prev, selected }) });
  const searching = Object.keys(filters).length > 0;

  const list = (
    <Stack>
      <Card withBorder>
        <DecisionSearchForm
          key={formKey}
          busy={decisions.isFetching}
          onSearch={(next) => {
            setFilters(next);
            setCursors([]);
          }}
        />
      </Card>
      <QueryView query={decisions}>
        {({ decisions: rows, next }) =>
          rows.length === 0 ? (
            searching ? (
              <EmptyState
                title="No assessment matches"
                action={
                  <Button
                    variant="default"
                    onClick={() => {
                      setFilters({});
                      setCursors([]);
                      setFormKey((k) => k + 1);
                    }}
                  >
                    Show all assessments
                  </Button>
                }
              >
                Numbers are matched in full international form (+ and digits), addresses and accounts exactly.
              </EmptyState>
            ) : (
              <EmptyState title="No assessment yet">
                The platform asks Custos about each registration, code, PIN and login with{' '}
                <Code>POST /v1/auth/assess</Code>; every answer is listed here.
              </EmptyState>
            )
          ) : (
            <Stack gap="xs">
              <Text size="sm" c="dimmed" aria-live="polite">
                {rows.length === 1 ? 'One assessment' : `${rows.length} assessments`}
                {cursors.length > 0 ? ` on page ${cursors.length + 1}` : ''}, newest first.
              </Text>
              <DataTable
                caption="Assessments, newest first"
                rows={rows}
                columns={search.selected ? narrowColumns : columns}
                rowKey={(d) => d.id}
                selected={search.selected}
                onSelect={select}
                rowLabel={(d) =>
                  `${eventTypeLabel(d.eventType)}${d.account ? ` for ${d.account}` : ''}, ${d.decision}, ${formatTime(d.at)}`
                }
              />
              <CursorPager cursors={cursors} next={next} onChange={setCursors} />
            </Stack>
          )
        }
      </QueryView>
    </Stack>
  );

  return (
    <>
      <PageHeader
        title="Login decisions"
        description="Every registration, code, PIN and login the platform asked about, with the answer and its reasons. Searches are sent in the request body, never in the address."
      />
      <ListWithPanel
        list={list}
        panel={search.selected ? <DecisionPanel id={search.selected} /> : undefined}
        panelTitle="Assessment"
        onClose={() => select(undefined)}
      />
    </>
  );
}
