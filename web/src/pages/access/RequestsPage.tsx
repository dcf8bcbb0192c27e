import { Button, Code, Group, SegmentedControl, Select, Stack } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client.js';
import { allows } from '../../app/permissions.js';
import { useSession } from '../../app/session.js';
import { ConfirmAction, confirmDone } from '../../ui/actions.js';
import { DataTable } from '../../ui/DataTable.js';
import { formatTime } from '../../ui/format.js';
import { ListWithPanel } from '../../ui/ListWithPanel.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, ErrorState, QueryView } from '../../ui/states.js';
import { Verdict } from './Decision.js';
import { RequestDetails } from './RequestDetails.js';
import { requestsRoute } from './routes.js';
import { type AccessRequest, purposeLabel, requestStatuses } from './types.js';

export function RequestsPage() {
  const search = requestsRoute.useSearch();
  const navigate = requestsRoute.useNavigate();
  const session = useSession();
  const seesAll = allows(session, 'access.requests.read_all');
  const scope = seesAll ? search.scope : 'mine';
  const queryClient = useQueryClient();
  const requests = useQuery({
    queryKey: ['access', 'requests', { status: search.status, scope }],
    queryFn: () =>
      unwrap(
        api.GET('/v1/access/requests', {
          params: {
            query: {
              limit: 200,
              ...(search.status ? { status: search.status } : {}),
              ...(scope === 'mine' ? { mine: 'true' as const } : {}),
            },
          },
        }),
      ),
  });
  const selectedRequest = useQuery({
    queryKey: ['access', 'request', search.selected],
    queryFn: () =>
      unwrap(api.GET('/v1/access/requests/{id}', { params: { path: { id: search.selected as string } } })),
    enabled: Boolean(search.selected),
  });
  const cancel = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/v1/access/requests/{id}/cancel', { params: { path: { id } } })),
    onSuccess: async (answer) => {
      await queryClient.invalidateQueries({ queryKey: ['access'] });
      confirmDone(`Request ${answer.request.id} is cancelled.`);
    },
  });
  const select = (selected: string | undefined) =>
    void navigate({ search: (prev) => ({ ...prev, selected }) });

  const list = (
    <Stack>
      <Group>
        {seesAll && (
          <SegmentedControl
            aria-label="Whose requests"
            value={scope}
            onChange={(value) =>
              void navigate({
                search: (prev) => ({ ...prev, scope: value as 'mine' | 'all', selected: undefined }),
              })
            }
            data={[
              { value: 'mine', label: 'Mine' },
              { value: 'all', label: 'Everyone’s' },
            ]}
          />
        )}
        <Select
          aria-label="Status"
          placeholder="Any status"
          clearable
          value={search.status ?? null}
          data={requestStatuses.map((s) => ({ value: s, label: s[0]?.toUpperCase() + s.slice(1) }))}
          onChange={(value) =>
            void navigate({
              search: (prev) => ({
                ...prev,
                status: (value ?? undefined) as AccessRequest['status'] | undefined,
                selected: undefined,
              }),
            })
          }
        />
      </Group>
      <QueryView query={requests}>
        {({ requests: rows }) =>
          rows.length === 0 ? (
            search.status ? (
              <EmptyState
                title="No request matches"
                action={
                  <Button
                    variant="light"
                    onClick={() => void navigate({ search: (prev) => ({ ...prev, status: undefined }) })}
                  >
                    Clear the filter
                  </Button>
                }
              />
            ) : (
              <EmptyState
                title="No requests yet"
                action={
                  allows(session, 'access.requests.create') ? (
                    <Button component={Link} to="/access/request" variant="light">
                      Request access
                    </Button>
                  ) : undefined
                }
              >
                Requests for access to users’ data appear here.
              </EmptyState>
            )
          ) : (
            <DataTable
              caption="Access requests"
              rows={rows}
              rowKey={(r) => r.id}
              selected={search.selected}
              onSelect={select}
              rowLabel={(r) => `Request ${r.id}, ${r.status}`}
              columns={[
                { key: 'status', header: 'Status', cell: (r) => <Verdict verdict={r.status} size="sm" /> },
                { key: 'purpose', header: 'Purpose', cell: (r) => purposeLabel(r.purpose) },
                {
                  key: 'ticket',
                  header: 'Ticket',
                  cell: (r) => <Code>{r.ticketId}</Code>,
                  hideOnPhone: true,
                },
                {
                  key: 'scope',
                  header: 'Scope',
                  cell: (r) => `${r.subjects.length} user(s) · ${r.fields.length} field(s)`,
                },
                { key: 'created', header: 'Asked', cell: (r) => formatTime(r.createdAt), hideOnPhone: true },
              ]}
            />
          )
        }
      </QueryView>
    </Stack>
  );

  const panel = search.selected ? (
    <QueryView query={selectedRequest}>
      {({ request }) => (
        <Stack>
          <RequestDetails request={request} />
          {request.status === 'pending' && request.requesterId === session?.user.id && (
            <Group>
              <ConfirmAction
                label="Cancel request"
                title="Cancel this request?"
                confirmLabel="Cancel request"
                loading={cancel.isPending}
                onConfirm={() => cancel.mutate(request.id)}
              >
                Request {request.id} will be withdrawn; approvers will no longer see it. To ask again, create
                a new request.
              </ConfirmAction>
            </Group>
          )}
          {cancel.isError && <ErrorState error={cancel.error} title="The request was not cancelled" />}
        </Stack>
      )}
    </QueryView>
  ) : undefined;

  return (
    <>
      <PageHeader
        title="Requests"
        description={
          seesAll ? 'Access requests: yours, or everyone’s.' : 'Your access requests and what each waits for.'
        }
      />
      <ListWithPanel list={list} panel={panel} panelTitle="Request" onClose={() => select(undefined)} />
    </>
  );
}
