import { Badge, Button, Card, Group, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.js';
import { type Column, DataTable } from '../../ui/DataTable.js';
import { formatTime } from '../../ui/format.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, ErrorState, Loading } from '../../ui/states.js';

type Listing = Awaited<ReturnType<typeof lookUp>>;
type Access = Listing['accesses'][number];

// POST keeps the user id out of the URL, the history and the server's access log.
function lookUp(subjectId: string) {
  return unwrap(api.POST('/v1/transparency/lookup', { body: { subjectId, limit: 50 } }));
}

const columns: Column<Access>[] = [
  { key: 'at', header: 'When', cell: (a) => formatTime(a.at) },
  { key: 'fields', header: 'What was seen', cell: (a) => a.fields.join(', ') },
  {
    key: 'purpose',
    header: 'Why',
    cell: (a) => <Badge variant="light">{a.purpose.replace('_', ' ')}</Badge>,
  },
  {
    key: 'who',
    header: 'Who (pseudonymous)',
    cell: (a) =>
      `${a.accessor.roles.join(', ')}${a.accessor.team ? `, ${a.accessor.team}` : ''} · ${a.accessor.pseudonym}`,
  },
  { key: 'record', header: 'Ledger entry', hideOnPhone: true, cell: (a) => a.proof.index },
];

/** What one end user would see of who looked at their data: looked up by id, never put in the URL. */
export function TransparencyPage() {
  const [subject, setSubject] = useState('');
  const lookup = useMutation({ mutationFn: lookUp });
  return (
    <>
      <PageHeader
        title="Transparency"
        description="Look a user up to see exactly what they see: every permitted access to their data, when, what, why and by whom (pseudonymously)."
      />
      <Stack gap="lg">
        <Card withBorder>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              if (subject.trim() !== '') lookup.mutate(subject.trim());
            }}
          >
            <Group align="flex-end" wrap="wrap">
              <TextInput
                label="User id"
                description="The platform's id of the user. It is sent in the request body and not kept in the address bar."
                value={subject}
                onChange={(event) => setSubject(event.currentTarget.value)}
                autoComplete="off"
                style={{ flex: 1, minWidth: 240 }}
              />
              <Button type="submit" variant="default" loading={lookup.isPending}>
                Look up
              </Button>
            </Group>
          </form>
        </Card>
        {lookup.isPending && <Loading rows={3} />}
        {lookup.isError && <ErrorState error={lookup.error} onRetry={() => lookup.mutate(subject.trim())} />}
        {lookup.data &&
          (lookup.data.accesses.length === 0 ? (
            <EmptyState title="Nobody has seen this user's data">
              No permitted access to this user is visible to them yet (accesses for a legal request appear
              after their hold).
            </EmptyState>
          ) : (
            <Stack gap="xs">
              <Text size="sm" c="dimmed">
                {lookup.data.accesses.length} access{lookup.data.accesses.length === 1 ? '' : 'es'}
                {lookup.data.next ? ' (the newest 50)' : ''}, newest first.
              </Text>
              <DataTable
                caption="Accesses this user sees"
                rows={lookup.data.accesses}
                columns={columns}
                rowKey={(a) => a.record.id}
              />
            </Stack>
          ))}
      </Stack>
    </>
  );
}
