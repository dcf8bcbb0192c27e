import { Badge, Button, Card, Code, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { ApiError, api, unwrap } from '../../api/client.js';
import { type Column, DataTable } from '../../ui/DataTable.js';
import { formatCount, formatRelative, formatTime } from '../../ui/format.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, QueryView } from '../../ui/states.js';
import { LogKeyField } from './LogKeyField.js';
import { loadVerifier } from './logKey.js';
import { ledgerRoute } from './routes.js';

const pageSize = 50;

type EntriesPage = Awaited<ReturnType<typeof fetchEntries>>;
type Entry = EntriesPage['entries'][number];

function fetchEntries(from: number | undefined) {
  return unwrap(
    api.GET('/v1/ledger/entries', {
      params: { query: { limit: pageSize, ...(from === undefined ? {} : { from }) } },
    }),
  );
}

/** The latest checkpoint as published, with the time each witness cosigned it. */
function CheckpointCard() {
  const query = useQuery({
    queryKey: ['ledger', 'checkpoint'],
    queryFn: async () => {
      const text = await unwrap(api.GET('/ledger/checkpoint', { parseAs: 'text' }));
      const verifier = await loadVerifier();
      const { text: body, lines } = verifier.splitNote(text);
      const [origin, size, root] = body.split('\n');
      const cosignatures = lines
        .filter((line) => line.payload.length === 72)
        .map((line) => ({
          name: line.name,
          at: Number(new DataView(line.payload.buffer, line.payload.byteOffset).getBigUint64(0)) * 1000,
        }));
      return { origin, size: Number(size), root, signatures: lines.length, cosignatures };
    },
  });
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Latest checkpoint
      </Title>
      <QueryView query={query} rows={2}>
        {(checkpoint) => (
          <Stack gap={4}>
            <Text size="sm">
              <Code>{checkpoint.origin}</Code> holds {formatCount(checkpoint.size)} entries; root{' '}
              <Code style={{ wordBreak: 'break-all' }}>{checkpoint.root}</Code>
            </Text>
            {checkpoint.cosignatures.length === 0 ? (
              <Text size="sm" c="dimmed">
                No witness has cosigned it (no witnesses are set up, or none answered).
              </Text>
            ) : (
              checkpoint.cosignatures.map((c) => (
                <Text size="sm" key={c.name}>
                  Cosigned by <Code>{c.name}</Code> {formatRelative(c.at)} ({formatTime(c.at)}) — server says;
                  pin the witness key to check it.
                </Text>
              ))
            )}
          </Stack>
        )}
      </QueryView>
    </Card>
  );
}

/** Opens the entry that logged a record, e.g. an access check by the id its response gave. */
function FindRecord() {
  const navigate = useNavigate();
  const [type, setType] = useState<string>('access.check');
  const [id, setId] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const find = async () => {
    try {
      const found = await unwrap(
        api.GET('/v1/ledger/records/{recordType}/{recordId}', {
          params: { path: { recordType: type, recordId: id.trim() } },
        }),
      );
      setProblem(null);
      await navigate({ to: '/entries/$index', params: { index: String(found.index) } });
    } catch (error) {
      setProblem(
        error instanceof ApiError && error.status === 404
          ? 'No record with this id is in the log.'
          : error instanceof Error
            ? error.message
            : 'The look-up failed.',
      );
    }
  };
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void find();
      }}
    >
      <Group align="flex-end" wrap="wrap">
        <Select
          label="Record type"
          data={[
            'access.check',
            'access.disclosure',
            'access.grant',
            'access.request',
            'ato.decision',
            'ato.takeover',
          ]}
          value={type}
          onChange={(value) => setType(value ?? 'access.check')}
          allowDeselect={false}
          w={200}
        />
        <TextInput
          label="Record id"
          placeholder="chk_…"
          value={id}
          onChange={(event) => setId(event.currentTarget.value)}
          error={problem}
          style={{ flex: 1, minWidth: 220 }}
        />
        <Button type="submit" variant="default" disabled={id.trim() === ''}>
          Find entry
        </Button>
      </Group>
    </form>
  );
}

export function LedgerPage() {
  const search = ledgerRoute.useSearch();
  const navigate = useNavigate({ from: '/ledger' });
  const query = useQuery({
    queryKey: ['ledger', 'entries', search.from],
    queryFn: () => fetchEntries(search.from),
  });
  const open = (index: string | undefined) => {
    if (index !== undefined) void navigate({ to: '/entries/$index', params: { index } });
  };
  const columns: Column<Entry>[] = [
    { key: 'index', header: 'Index', cell: (e) => e.index, width: 90 },
    {
      key: 'kind',
      header: 'Kind',
      cell: (e) => (
        <Badge variant="light" color={e.kind === 'batch' ? 'grape' : 'blue'}>
          {e.kind === 'batch' ? `batch of ${e.records}` : 'record'}
        </Badge>
      ),
    },
    { key: 'time', header: 'Logged', cell: (e) => formatTime(e.createdAt) },
    {
      key: 'leaf',
      header: 'Leaf hash',
      hideOnPhone: true,
      cell: (e) => <Code>{`${e.leafHash.slice(0, 16)}…`}</Code>,
    },
  ];
  return (
    <>
      <PageHeader
        title="Ledger"
        description="Every access check, grant and decision is an entry of this append-only log. Open an entry to verify, in this browser, that it is in the signed checkpoint."
      />
      <Stack gap="lg">
        <CheckpointCard />
        <Card withBorder>
          <LogKeyField />
        </Card>
        <Card withBorder>
          <FindRecord />
        </Card>
        <QueryView query={query}>
          {(page) =>
            page.entries.length === 0 ? (
              <EmptyState title="The log is empty">
                Entries appear here as soon as Custos logs its first check or decision.
              </EmptyState>
            ) : (
              <Stack gap="xs">
                <Text size="sm" c="dimmed">
                  Entries {page.from} to {page.from + page.entries.length - 1} of{' '}
                  {formatCount(page.sequenced)} ({formatCount(page.integrated)} in a published checkpoint).
                </Text>
                <DataTable
                  caption="Log entries by index"
                  rows={page.entries}
                  columns={columns}
                  rowKey={(e) => String(e.index)}
                  rowLabel={(e) => `Entry ${e.index}, ${e.kind}`}
                  onSelect={open}
                />
                <Group>
                  <Button
                    variant="default"
                    disabled={page.previous === null}
                    onClick={() => void navigate({ search: { from: page.previous ?? undefined } })}
                  >
                    Older
                  </Button>
                  <Button
                    variant="default"
                    disabled={page.next === null}
                    onClick={() => void navigate({ search: { from: page.next ?? undefined } })}
                  >
                    Newer
                  </Button>
                </Group>
              </Stack>
            )
          }
        </QueryView>
      </Stack>
    </>
  );
}
