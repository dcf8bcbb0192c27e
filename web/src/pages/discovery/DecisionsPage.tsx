import { Button, Card, Code, Group, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useRouterState } from '@tanstack/react-router';
import { useRef, useState } from 'react';
import { api, unwrap } from '../../api/client.js';
import { CursorPager } from '../../ui/CursorPager.js';
import { type Column, DataTable } from '../../ui/DataTable.js';
import { formatCount, formatTime } from '../../ui/format.js';
import { ListWithPanel } from '../../ui/ListWithPanel.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, QueryView } from '../../ui/states.js';
import './account-link.js';
import { DecisionPanel } from './DecisionPanel.js';
import { formatPoints, reasonLabel, verdictTone } from './labels.js';
import { discoveryDecisionsRoute } from './routes.js';
import { type DecisionRow, type DecisionSearch, verdicts } from './types.js';
import { DiscoveryVerdictBadge } from './Verdict.js';

const pageSize = 50;

type Filters = Pick<DecisionSearch, 'account' | 'decision'>;

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
  { key: 'account', header: 'Account', cell: (d) => <Code>{d.account}</Code> },
  {
    key: 'decision',
    header: 'Decision',
    cell: (d) => <DiscoveryVerdictBadge decision={d.decision} size="sm" />,
  },
  { key: 'score', header: 'Score', hideOnPhone: true, cell: (d) => formatPoints(d.score) },
  {
    key: 'numbers',
    header: 'Answered',
    hideOnPhone: true,
    cell: (d) => nowrap(`${formatCount(d.allowed)} of ${formatCount(d.numbers)}`),
  },
  {
    key: 'reason',
    header: 'Leading reason',
    hideOnPhone: true,
    cell: (d) => (d.reason === 'none' ? reasonLabel(d.reason) : <Code>{d.reason}</Code>),
  },
  { key: 'ip', header: 'IP address', hideOnPhone: true, cell: (d) => d.ip },
];
/** With the panel open the list narrows to what tells rows apart; the panel shows the rest. */
const narrowColumns = columns.filter((c) => ['at', 'account', 'decision'].includes(c.key));

/** The search: account and decision. What is typed stays in the page and goes in a POST body. */
function SearchForm({
  initial,
  onSearch,
  busy,
}: {
  initial: Filters;
  onSearch: (filters: Filters) => void;
  busy: boolean;
}) {
  const [account, setAccount] = useState(initial.account ?? '');
  const [decision, setDecision] = useState<string | null>(initial.decision ?? null);
  const first = useRef<HTMLInputElement>(null);
  // `/` puts the cursor in the search, as on GitHub.
  useHotkeys([['/', () => first.current?.focus()]]);
  return (
    <form
      aria-label="Search discovery decisions"
      onSubmit={(event) => {
        event.preventDefault();
        const filters: Filters = {};
        if (account.trim()) filters.account = account.trim();
        if (decision) filters.decision = decision as Filters['decision'];
        onSearch(filters);
      }}
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput
          ref={first}
          label="Account"
          placeholder="The platform’s account id"
          value={account}
          onChange={(event) => setAccount(event.currentTarget.value)}
          autoComplete="off"
          maxLength={128}
        />
        <Select
          label="Decision"
          placeholder="Any decision but allow"
          clearable
          // Plain allows are not recorded one by one: only the other answers can be searched.
          data={verdicts.filter((v) => v !== 'allow').map((v) => ({ value: v, label: verdictTone(v).label }))}
          value={decision}
          onChange={setDecision}
        />
      </SimpleGrid>
      <Group mt="sm">
        <Button
          type="submit"
          variant="filled"
          loading={busy}
          leftSection={<IconSearch size={16} aria-hidden />}
        >
          Search
        </Button>
      </Group>
    </form>
  );
}

/**
 * Decisions other than allow, by account and decision, newest first, a page at a time. The filters
 * and the page's cursor live in the page; only the open decision's id is in the address. A link
 * from the offenders or fleets page brings its account in the history entry's state.
 */
export function DiscoveryDecisionsPage() {
  const search = discoveryDecisionsRoute.useSearch();
  const navigate = discoveryDecisionsRoute.useNavigate();
  const linkedAccount = useRouterState({ select: (s) => s.location.state.discoveryAccount });
  const [filters, setFilters] = useState<Filters>(linkedAccount ? { account: linkedAccount } : {});
  // Cursors of the pages before this one, so "Newer" can go back; the last is this page's.
  const [cursors, setCursors] = useState<string[]>([]);
  // Bumped to reset the form (cleared from "no match", or another account linked in).
  const [formKey, setFormKey] = useState(0);
  const [seenLink, setSeenLink] = useState(linkedAccount);
  if (linkedAccount !== seenLink) {
    // Another account was linked while the page was open (from a fleet's list, say).
    setSeenLink(linkedAccount);
    setFilters(linkedAccount ? { account: linkedAccount } : {});
    setCursors([]);
    setFormKey((k) => k + 1);
  }
  const cursor = cursors.at(-1);
  const decisions = useQuery({
    queryKey: ['discovery', 'decisions', filters, cursor ?? null],
    queryFn: () =>
      unwrap(
        api.POST('/v1/discovery/decisions/search', {
          body: { ...filters, limit: pageSize, ...(cursor ? { cursor } : {}) },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const select = (selected: string | undefined) =>
    // Keep the history entry's state, so a reload still knows the linked account.
    void navigate({ search: (prev) => ({ ...prev, selected }), state: (prev) => prev });
  const searching = Object.keys(filters).length > 0;
  const clear = () => {
    setFilters({});
    setCursors([]);
    setFormKey((k) => k + 1);
  };

  const list = (
    <Stack>
      <Card withBorder>
        <SearchForm
          key={formKey}
          initial={filters}
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
                title="No decision matches"
                action={
                  <Button variant="default" onClick={clear}>
                    Show all decisions
                  </Button>
                }
              >
                Accounts are matched exactly. Checks that were allowed in full are not listed.
              </EmptyState>
            ) : (
              <EmptyState title="No decision yet">
                The platform asks Custos before answering each address-book sync, with{' '}
                <Code>POST /v1/discovery/check</Code>. Every answer other than a plain allow is listed here.
              </EmptyState>
            )
          ) : (
            <Stack gap="xs">
              <Text size="sm" c="dimmed" aria-live="polite">
                {rows.length === 1 ? 'One decision' : `${rows.length} decisions`}
                {filters.account ? ` for ${filters.account}` : ''}
                {cursors.length > 0 ? ` on page ${cursors.length + 1}` : ''}, newest first.
              </Text>
              <DataTable
                caption="Discovery decisions, newest first"
                rows={rows}
                columns={search.selected ? narrowColumns : columns}
                rowKey={(d) => d.id}
                selected={search.selected}
                onSelect={select}
                rowLabel={(d) => `${d.account}, ${verdictTone(d.decision).label}, ${formatTime(d.at)}`}
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
        title="Discovery decisions"
        description="Every check that was not simply allowed, with its answer and reasons. Searches are sent in the request body, never in the address."
      />
      <ListWithPanel
        list={list}
        panel={search.selected ? <DecisionPanel id={search.selected} /> : undefined}
        panelTitle="Decision"
        onClose={() => select(undefined)}
      />
    </>
  );
}
