import { Button, Code, Group, Select, Stack, Table } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api, unwrap } from '../../api/client.js';
import { DataTable } from '../../ui/DataTable.js';
import { formatTime } from '../../ui/format.js';
import { ListWithPanel } from '../../ui/ListWithPanel.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, QueryView } from '../../ui/states.js';
import { Verdict } from './Decision.js';
import { employeesRoute, protectedRoute, ticketsRoute } from './routes.js';

/** First page and next page: the cursor is in the address, so a page can be linked and reloaded. */
function Pager({
  cursor,
  next,
  go,
}: {
  cursor: string | undefined;
  next: string | null;
  go: (cursor: string | undefined) => void;
}) {
  if (!cursor && !next) return null;
  return (
    <Group>
      <Button variant="default" size="xs" disabled={!cursor} onClick={() => go(undefined)}>
        First page
      </Button>
      <Button variant="default" size="xs" disabled={!next} onClick={() => go(next ?? undefined)}>
        Next page
      </Button>
    </Group>
  );
}

function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <Table variant="vertical" withTableBorder layout="fixed">
      <Table.Tbody>
        {rows.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th scope="row" w={130}>
              {label}
            </Table.Th>
            <Table.Td>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function TicketsPage() {
  const search = ticketsRoute.useSearch();
  const navigate = ticketsRoute.useNavigate();
  const tickets = useQuery({
    queryKey: ['access', 'tickets', search.status, search.cursor],
    queryFn: () =>
      unwrap(
        api.GET('/v1/access/tickets', {
          params: {
            query: {
              limit: 50,
              ...(search.status ? { status: search.status } : {}),
              ...(search.cursor ? { cursor: search.cursor } : {}),
            },
          },
        }),
      ),
  });
  const selected = tickets.data?.tickets.find((t) => t.id === search.selected);
  const select = (id: string | undefined) => void navigate({ search: (prev) => ({ ...prev, selected: id }) });
  const list = (
    <Stack>
      <Select
        aria-label="Status"
        placeholder="Open or closed"
        clearable
        w={200}
        value={search.status ?? null}
        data={[
          { value: 'open', label: 'Open' },
          { value: 'closed', label: 'Closed' },
        ]}
        onChange={(value) =>
          void navigate({
            search: {
              status: (value ?? undefined) as 'open' | 'closed' | undefined,
              cursor: undefined,
              selected: undefined,
            },
          })
        }
      />
      <QueryView query={tickets}>
        {(page) =>
          page.tickets.length === 0 ? (
            <EmptyState title="No tickets">The support and abuse systems post their tickets here.</EmptyState>
          ) : (
            <Stack>
              <DataTable
                caption="Tickets"
                rows={page.tickets}
                rowKey={(t) => t.id}
                selected={search.selected}
                onSelect={select}
                columns={[
                  { key: 'id', header: 'Ticket', cell: (t) => <Code>{t.id}</Code> },
                  { key: 'title', header: 'Title', cell: (t) => t.title },
                  {
                    key: 'status',
                    header: 'Status',
                    cell: (t) => <Verdict verdict={t.status === 'open' ? 'active' : 'ended'} size="sm" />,
                  },
                  {
                    key: 'updated',
                    header: 'Changed',
                    cell: (t) => formatTime(t.updatedAt),
                    hideOnPhone: true,
                  },
                ]}
              />
              <Pager
                cursor={search.cursor}
                next={page.next}
                go={(cursor) =>
                  void navigate({ search: (prev) => ({ ...prev, cursor, selected: undefined }) })
                }
              />
            </Stack>
          )
        }
      </QueryView>
    </Stack>
  );
  const panel = selected ? (
    <Facts
      rows={[
        ['Ticket', <Code key="id">{selected.id}</Code>],
        ['Title', selected.title],
        ['Status', selected.status],
        ['Assignee', selected.assigneeId ? <Code key="a">{selected.assigneeId}</Code> : '—'],
        ['Users named', selected.subjects.join(', ') || '—'],
        ['Filed by user', selected.reporterId ?? '—'],
        ['Posted by', selected.postedBy],
        ['Changed', formatTime(selected.updatedAt)],
        ['Closed', formatTime(selected.closedAt)],
      ]}
    />
  ) : undefined;
  return (
    <>
      <PageHeader
        title="Tickets"
        description="Tickets as the support and abuse systems posted them; a grant lasts only while its ticket backs it."
      />
      <ListWithPanel list={list} panel={panel} panelTitle="Ticket" onClose={() => select(undefined)} />
    </>
  );
}

export function EmployeesPage() {
  const search = employeesRoute.useSearch();
  const navigate = employeesRoute.useNavigate();
  const employees = useQuery({
    queryKey: ['access', 'employees', search.cursor],
    queryFn: () =>
      unwrap(
        api.GET('/v1/access/employees', {
          params: { query: { limit: 50, ...(search.cursor ? { cursor: search.cursor } : {}) } },
        }),
      ),
  });
  const selected = employees.data?.employees.find((e) => e.userId === search.selected);
  const select = (id: string | undefined) => void navigate({ search: (prev) => ({ ...prev, selected: id }) });
  const list = (
    <QueryView query={employees}>
      {(page) =>
        page.employees.length === 0 ? (
          <EmptyState title="The registry is empty">
            The directory sync fills it; without an entry, nobody can be granted access.
          </EmptyState>
        ) : (
          <Stack>
            <DataTable
              caption="Employee registry"
              rows={page.employees}
              rowKey={(e) => e.userId}
              selected={search.selected}
              onSelect={select}
              columns={[
                { key: 'user', header: 'User', cell: (e) => <Code>{e.userId}</Code> },
                { key: 'team', header: 'Team', cell: (e) => e.team ?? '—' },
                {
                  key: 'manager',
                  header: 'Manager',
                  cell: (e) => (e.managerId ? <Code>{e.managerId}</Code> : '—'),
                  hideOnPhone: true,
                },
                {
                  key: 'oncall',
                  header: 'On call until',
                  cell: (e) => formatTime(e.onCallUntil),
                  hideOnPhone: true,
                },
              ]}
            />
            <Pager
              cursor={search.cursor}
              next={page.next}
              go={(cursor) => void navigate({ search: { cursor, selected: undefined } })}
            />
          </Stack>
        )
      }
    </QueryView>
  );
  const panel = selected ? (
    <Facts
      rows={[
        ['User', <Code key="u">{selected.userId}</Code>],
        ['Own platform account', selected.platformUserId ?? '—'],
        ['Manager', selected.managerId ? <Code key="m">{selected.managerId}</Code> : '—'],
        ['Team', selected.team ?? '—'],
        ['On call until', formatTime(selected.onCallUntil)],
      ]}
    />
  ) : undefined;
  return (
    <>
      <PageHeader
        title="Employees"
        description="Who manages whom, teams and on-call times: what lets Custos refuse look-ups of oneself, colleagues and managers."
      />
      <ListWithPanel
        list={list}
        panel={panel}
        panelTitle="Registry entry"
        onClose={() => select(undefined)}
      />
    </>
  );
}

const categories: Record<string, string> = {
  public_figure: 'Public figure',
  journalist: 'Journalist',
  executive: 'Executive',
  at_risk: 'At risk',
  other: 'Other',
};

export function ProtectedPage() {
  const search = protectedRoute.useSearch();
  const navigate = protectedRoute.useNavigate();
  const subjects = useQuery({
    queryKey: ['access', 'protected', search.cursor],
    queryFn: () =>
      unwrap(
        api.GET('/v1/access/protected-subjects', {
          params: { query: { limit: 50, ...(search.cursor ? { cursor: search.cursor } : {}) } },
        }),
      ),
  });
  const selected = search.selected === undefined ? undefined : subjects.data?.subjects[search.selected];
  const select = (key: string | undefined) =>
    void navigate({ search: (prev) => ({ ...prev, selected: key === undefined ? undefined : Number(key) }) });
  const list = (
    <QueryView query={subjects}>
      {(page) =>
        page.subjects.length === 0 ? (
          <EmptyState title="Nobody is on the protected list" />
        ) : (
          <Stack>
            <DataTable
              caption="Protected subjects"
              // Rows are keyed by their place on the page: the address never names a user.
              rows={page.subjects.map((subject, index) => ({ subject, index }))}
              rowKey={(r) => String(r.index)}
              selected={search.selected === undefined ? undefined : String(search.selected)}
              onSelect={select}
              columns={[
                { key: 'subject', header: 'User', cell: (r) => <Code>{r.subject.subjectId}</Code> },
                {
                  key: 'category',
                  header: 'Category',
                  cell: (r) => categories[r.subject.category] ?? r.subject.category,
                },
                {
                  key: 'added',
                  header: 'Added',
                  cell: (r) => formatTime(r.subject.createdAt),
                  hideOnPhone: true,
                },
              ]}
            />
            <Pager
              cursor={search.cursor}
              next={page.next}
              go={(cursor) => void navigate({ search: { cursor, selected: undefined } })}
            />
          </Stack>
        )
      }
    </QueryView>
  );
  const panel = selected ? (
    <Facts
      rows={[
        ['User', <Code key="u">{selected.subjectId}</Code>],
        ['Category', categories[selected.category] ?? selected.category],
        ['Added by', <Code key="b">{selected.addedBy}</Code>],
        ['Added', formatTime(selected.createdAt)],
      ]}
    />
  ) : undefined;
  return (
    <>
      <PageHeader
        title="Protected subjects"
        description="Users whose data needs approval from security and the requester’s management chain. The list itself is personal data."
      />
      <ListWithPanel
        list={list}
        panel={panel}
        panelTitle="Protected subject"
        onClose={() => select(undefined)}
      />
    </>
  );
}
