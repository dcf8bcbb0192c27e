import { Code, Group, SegmentedControl, Stack, Table, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.js';
import { allows } from '../../app/permissions.js';
import { useSession } from '../../app/session.js';
import { ConfirmAction, confirmDone } from '../../ui/actions.js';
import { DataTable } from '../../ui/DataTable.js';
import { formatRelative, formatTime } from '../../ui/format.js';
import { ListWithPanel } from '../../ui/ListWithPanel.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, ErrorState, QueryView } from '../../ui/states.js';
import { Verdict } from './Decision.js';
import { grantsRoute } from './routes.js';
import { type Grant, purposeLabel } from './types.js';

function grantState(grant: Grant, now = Date.now()): 'active' | 'revoked' | 'ended' {
  if (grant.revokedAt !== null) return 'revoked';
  return grant.expiresAt > now ? 'active' : 'ended';
}

function RevokeGrant({ grant }: { grant: Grant }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const revoke = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/v1/access/grants/{id}/revoke', {
          params: { path: { id: grant.id } },
          body: { reason: reason.trim() },
        }),
      ),
    onSuccess: async (answer) => {
      await queryClient.invalidateQueries({ queryKey: ['access'] });
      confirmDone(`Grant ${answer.grant.id} is revoked; the next access check is denied.`, 'Revoked');
    },
  });
  return (
    <Stack gap="sm">
      <Textarea
        label="Reason for revoking"
        required
        autosize
        minRows={2}
        maxLength={500}
        value={reason}
        onChange={(event) => setReason(event.currentTarget.value)}
      />
      {revoke.isError && <ErrorState error={revoke.error} title="The grant was not revoked" />}
      <Group>
        <ConfirmAction
          label="Revoke grant"
          title="Revoke this grant?"
          confirmLabel="Revoke grant"
          disabled={reason.trim().length < 3}
          loading={revoke.isPending}
          onConfirm={() => revoke.mutate()}
        >
          Grant {grant.id} ends at once: every access check it would have permitted is denied from now on.
          This cannot be undone; access needs a new request.
        </ConfirmAction>
      </Group>
    </Stack>
  );
}

export function GrantsPage() {
  const search = grantsRoute.useSearch();
  const navigate = grantsRoute.useNavigate();
  const session = useSession();
  const seesAll = allows(session, 'access.grants.read_all');
  const scope = seesAll ? search.scope : 'mine';
  const grants = useQuery({
    queryKey: ['access', 'grants', { view: search.view, scope }],
    queryFn: () =>
      unwrap(
        api.GET('/v1/access/grants', {
          params: {
            query: {
              limit: 200,
              ...(search.view === 'active' ? { active: 'true' as const } : {}),
              ...(scope === 'mine' && session ? { actor: session.user.id } : {}),
            },
          },
        }),
      ),
  });
  const select = (selected: string | undefined) =>
    void navigate({ search: (prev) => ({ ...prev, selected }) });
  const selected = grants.data?.grants.find((g) => g.id === search.selected);

  const list = (
    <Stack>
      <Group>
        <SegmentedControl
          aria-label="Which grants"
          value={search.view}
          onChange={(value) =>
            void navigate({ search: (prev) => ({ ...prev, view: value as 'active' | 'all' }) })
          }
          data={[
            { value: 'active', label: 'In force' },
            { value: 'all', label: 'All' },
          ]}
        />
        {seesAll && (
          <SegmentedControl
            aria-label="Whose grants"
            value={scope}
            onChange={(value) =>
              void navigate({ search: (prev) => ({ ...prev, scope: value as 'mine' | 'all' }) })
            }
            data={[
              { value: 'mine', label: 'Mine' },
              { value: 'all', label: 'Everyone’s' },
            ]}
          />
        )}
      </Group>
      <QueryView query={grants}>
        {({ grants: rows }) =>
          rows.length === 0 ? (
            <EmptyState title={search.view === 'active' ? 'No grant in force' : 'No grants yet'}>
              A grant is issued when a request is approved, or when break-glass is used.
            </EmptyState>
          ) : (
            <DataTable
              caption="Grants"
              rows={rows}
              rowKey={(g) => g.id}
              selected={search.selected}
              onSelect={select}
              rowLabel={(g) => `Grant ${g.id}, ${grantState(g)}`}
              columns={[
                { key: 'state', header: 'State', cell: (g) => <Verdict verdict={grantState(g)} size="sm" /> },
                { key: 'holder', header: 'Holder', cell: (g) => <Code>{g.actorId}</Code>, hideOnPhone: true },
                { key: 'purpose', header: 'Purpose', cell: (g) => purposeLabel(g.purpose) },
                {
                  key: 'scope',
                  header: 'Scope',
                  cell: (g) => `${g.subjects.length} user(s) · ${g.fields.join(', ')}`,
                },
                {
                  key: 'expires',
                  header: 'Ends',
                  cell: (g) => formatRelative(g.revokedAt ?? g.expiresAt),
                  hideOnPhone: true,
                },
              ]}
            />
          )
        }
      </QueryView>
    </Stack>
  );
  const panel = search.selected ? (
    selected ? (
      <Stack>
        <Verdict verdict={grantState(selected)} />
        <Table variant="vertical" withTableBorder layout="fixed">
          <Table.Tbody>
            {(
              [
                ['Grant', <Code key="id">{selected.id}</Code>],
                ['Holder', <Code key="holder">{selected.actorId}</Code>],
                [
                  'Source',
                  selected.source === 'break_glass' ? 'Break-glass' : `Request ${selected.requestId ?? ''}`,
                ],
                ['Purpose', purposeLabel(selected.purpose)],
                ['Ticket', <Code key="ticket">{selected.ticketId}</Code>],
                ['Users', selected.subjects.join(', ')],
                ['Fields', selected.fields.join(', ')],
                ['Operations', selected.operations.join(', ')],
                ['From', formatTime(selected.startsAt)],
                ['Until', formatTime(selected.expiresAt)],
                ['Revoked', formatTime(selected.revokedAt)],
              ] as const
            ).map(([label, value]) => (
              <Table.Tr key={label}>
                <Table.Th scope="row" w={120}>
                  {label}
                </Table.Th>
                <Table.Td>{value}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {grantState(selected) === 'active' && allows(session, 'access.grants.revoke') && (
          <RevokeGrant grant={selected} />
        )}
      </Stack>
    ) : grants.isSuccess ? (
      <EmptyState title="Not in this list">Change the filters to find this grant.</EmptyState>
    ) : undefined
  ) : undefined;

  return (
    <>
      <PageHeader
        title="Grants"
        description="Time-bound access to named users’ data. Revoking one takes effect on the next access check."
      />
      <ListWithPanel list={list} panel={panel} panelTitle="Grant" onClose={() => select(undefined)} />
    </>
  );
}
