import {
  Alert,
  Button,
  Card,
  Code,
  FileInput,
  Group,
  Progress,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconUpload } from '@tabler/icons-react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap, upload } from '../../api/client.js';
import { allows } from '../../app/permissions.js';
import { useSession } from '../../app/session.js';
import { CursorPager } from '../../ui/CursorPager.js';
import { type Column, DataTable } from '../../ui/DataTable.js';
import { formatCount, formatTime } from '../../ui/format.js';
import { ListWithPanel } from '../../ui/ListWithPanel.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, ErrorState, QueryView } from '../../ui/states.js';
import { cohortLabel } from './labels.js';
import { discoveryAttributionsRoute } from './routes.js';
import type { AttributionReport, AttributionRow } from './types.js';

const pageSize = 50;

const share = (part: number, whole: number) => (whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)} %`);
const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

const columns: Column<AttributionRow>[] = [
  { key: 'at', header: 'Run', cell: (r) => formatTime(r.at) },
  { key: 'name', header: 'Dump', cell: (r) => r.name },
  {
    key: 'canaries',
    header: 'Canaries traced',
    cell: (r) => `${formatCount(r.explained)} of ${formatCount(r.canaries)}`,
  },
  {
    key: 'top',
    header: 'Top suspect',
    cell: (r) =>
      r.topAccount === null ? (
        <Text span size="sm" c="dimmed">
          none
        </Text>
      ) : (
        <>
          <Code>{r.topAccount}</Code> ({formatCount(r.topCanaries)})
        </>
      ),
  },
  { key: 'parsed', header: 'Numbers', hideOnPhone: true, cell: (r) => formatCount(r.parsed) },
  { key: 'by', header: 'Run by', hideOnPhone: true, cell: (r) => <Code>{r.by}</Code> },
];
const narrowColumns = columns.filter((c) => ['at', 'name', 'top'].includes(c.key));

type Stage = { step: 'sending'; sent: number; total: number } | { step: 'scanning' };

/**
 * Upload a dump: the file goes as the raw body, with its progress shown, then the server scans it.
 * What comes back is the recorded report, which opens beside the list.
 */
function UploadForm({ onDone }: { onDone: (report: AttributionReport) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [stage, setStage] = useState<Stage | null>(null);
  const send = useMutation({
    mutationFn: async (chosen: File) => {
      setStage({ step: 'sending', sent: 0, total: chosen.size });
      const path = `/v1/discovery/attributions?name=${encodeURIComponent(name.trim() || chosen.name)}`;
      return upload<AttributionReport>(path, chosen, 'application/octet-stream', (sent, total) =>
        setStage(sent >= total ? { step: 'scanning' } : { step: 'sending', sent, total }),
      );
    },
    onSettled: () => setStage(null),
    onSuccess: (report) => {
      setFile(null);
      setName('');
      onDone(report);
    },
  });
  return (
    <form
      aria-label="Trace a leaked dump"
      onSubmit={(event) => {
        event.preventDefault();
        if (file) send.mutate(file);
      }}
    >
      <Stack gap="sm">
        <Title order={2} size="h4">
          Trace a leaked dump
        </Title>
        <Text size="sm">
          A list of numbers, as text or CSV, one per line. The canaries in it are traced to the accounts they
          were answered to, and the report is recorded on the ledger. The file itself is not kept.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <FileInput
            label="Dump"
            description="Text or CSV, one number per line"
            accept=".csv,.txt,text/csv,text/plain"
            value={file}
            onChange={setFile}
            clearable
            disabled={send.isPending}
          />
          <TextInput
            label="Name"
            description="The file name when left empty"
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            maxLength={200}
            autoComplete="off"
            disabled={send.isPending}
          />
        </SimpleGrid>
        {stage && (
          <Stack gap={4} aria-live="polite">
            {stage.step === 'sending' ? (
              <>
                <Progress
                  value={(100 * stage.sent) / Math.max(stage.total, 1)}
                  aria-label="Upload progress"
                />
                <Text size="xs" c="dimmed">
                  Sending {megabytes(stage.sent)} of {megabytes(stage.total)}
                </Text>
              </>
            ) : (
              <>
                <Progress value={100} animated aria-label="Scanning" />
                <Text size="xs" c="dimmed">
                  Sent; scanning the dump and tracing its canaries…
                </Text>
              </>
            )}
          </Stack>
        )}
        {send.error && <ErrorState error={send.error} title="The dump was not traced" />}
        <Group>
          <Button
            type="submit"
            disabled={!file}
            loading={send.isPending}
            leftSection={<IconUpload size={16} aria-hidden />}
          >
            Trace
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function CountTable({ caption, rows, total }: { caption: string; rows: [string, number][]; total: number }) {
  return (
    <Table withTableBorder captionSide="top" layout="fixed">
      <Table.Caption ta="left" fw={600} c="var(--mantine-color-text)">
        {caption}
      </Table.Caption>
      <Table.Tbody>
        {rows.map(([label, n]) => (
          <Table.Tr key={label}>
            <Table.Th scope="row">{label}</Table.Th>
            <Table.Td ta="right">{formatCount(n)}</Table.Td>
            <Table.Td ta="right">{share(n, total)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

const top = (record: Record<string, number>, n: number): [string, number][] =>
  Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);

/** One report: whom the canaries point to first, then what the dump holds. */
export function AttributionDetails({ report }: { report: AttributionReport }) {
  const { scan, attribution } = report;
  return (
    <Stack gap="md">
      <Text size="sm">
        <strong>{report.name}</strong>, {megabytes(report.bytes)}, traced {formatTime(report.at)} by{' '}
        <Code>{report.by}</Code>. {formatCount(scan.lines)} lines: {formatCount(scan.parsed)} numbers read,{' '}
        {formatCount(scan.rejected)} lines rejected.
      </Text>
      <Text size="sm">
        {formatCount(attribution.canaries)} canary numbers in the dump, {formatCount(attribution.explained)}{' '}
        of them answered “registered” to an account; {formatCount(scan.honey)} numbers in honey ranges.
      </Text>
      {attribution.suspects.length === 0 ? (
        <Alert variant="light" color="gray" title="No suspect">
          No account was answered any of this dump’s canaries. Without canaries a dump cannot be traced.
        </Alert>
      ) : (
        <Table withTableBorder captionSide="top" striped>
          <Table.Caption ta="left" fw={600} c="var(--mantine-color-text)">
            Suspects ({formatCount(attribution.suspectsTotal)}), most canaries first
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Account</Table.Th>
              <Table.Th ta="right">Canaries</Table.Th>
              <Table.Th ta="right">Coverage</Table.Th>
              <Table.Th>Answered between</Table.Th>
              <Table.Th ta="right">Chance if unrelated</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {attribution.suspects.slice(0, 50).map((s) => (
              <Table.Tr key={s.account}>
                <Table.Td>
                  <Code>{s.account}</Code>
                </Table.Td>
                <Table.Td ta="right">{formatCount(s.canaries)}</Table.Td>
                <Table.Td ta="right">{share(s.coverage, 1)}</Table.Td>
                <Table.Td>
                  {formatTime(s.from)} – {formatTime(s.to)}
                </Table.Td>
                <Table.Td ta="right">{s.chance.toExponential(1)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Text size="xs" c="dimmed">
        Chance if unrelated: how likely an account with no part in the dump would have been shown as many of
        its canaries. Coverage under 100 % with several suspects means results were pooled.
      </Text>
      {attribution.cohorts.length > 0 && (
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Cohorts
          </Text>
          {attribution.cohorts.slice(0, 20).map((c) => (
            <Text size="sm" key={`${c.cohort}@${c.period}`}>
              {cohortLabel(c.cohort)} <Code>{c.cohort}</Code>, {formatTime(c.from)} – {formatTime(c.to)}:{' '}
              {formatCount(c.canaries)} canaries
            </Text>
          ))}
        </Stack>
      )}
      {attribution.unexplained.length > 0 && (
        <Text size="sm">
          Never answered to anyone (guessed, or from elsewhere):{' '}
          {attribution.unexplained.map((n) => (
            <Code key={n} mr={4}>
              {n}
            </Code>
          ))}
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
        <CountTable
          caption="By calling code (every number)"
          rows={top(scan.byCallingCode, 10).map(([code, n]) => [`+${code}`, n])}
          total={scan.parsed}
        />
        <CountTable
          caption={`By country (a sample of ${formatCount(scan.sample.size)})`}
          rows={top(scan.sample.byCountry, 10)}
          total={scan.sample.size}
        />
      </SimpleGrid>
      <CountTable
        caption="By number type (the same sample)"
        rows={top(scan.sample.byType, 8)}
        total={scan.sample.size}
      />
    </Stack>
  );
}

function AttributionPanel({ id }: { id: string }) {
  const report = useQuery({
    queryKey: ['discovery', 'attribution', id],
    queryFn: () => unwrap(api.GET('/v1/discovery/attributions/{id}', { params: { path: { id } } })),
    // A recorded report never changes.
    staleTime: Number.POSITIVE_INFINITY,
  });
  return <QueryView query={report}>{(r) => <AttributionDetails report={r} />}</QueryView>;
}

/** Leaked dumps traced through their canaries: upload one, read the reports. */
export function AttributionsPage() {
  const search = discoveryAttributionsRoute.useSearch();
  const navigate = discoveryAttributionsRoute.useNavigate();
  const session = useSession();
  const client = useQueryClient();
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const reports = useQuery({
    queryKey: ['discovery', 'attributions', cursor ?? null],
    queryFn: () =>
      unwrap(
        api.GET('/v1/discovery/attributions', {
          params: { query: { limit: pageSize, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const select = (selected: string | undefined) => void navigate({ search: { selected } });
  const canTrace = allows(session, 'discovery.attribute');

  const list = (
    <Stack>
      {canTrace && (
        <Card withBorder>
          <UploadForm
            onDone={(report) => {
              client.setQueryData(['discovery', 'attribution', report.id], report);
              void client.invalidateQueries({ queryKey: ['discovery', 'attributions'] });
              setCursors([]);
              select(report.id);
            }}
          />
        </Card>
      )}
      <QueryView query={reports}>
        {({ reports: rows, next }) =>
          rows.length === 0 ? (
            <EmptyState title="No dump traced yet">
              {canTrace ? 'Upload one above, or run ' : 'An analyst uploads one here, or runs '}
              <Code>custos discovery attribute --dump FILE --save</Code>.
            </EmptyState>
          ) : (
            <Stack gap="xs">
              <Text size="sm" c="dimmed">
                {rows.length === 1 ? 'One report' : `${rows.length} reports`}
                {cursors.length > 0 ? ` on page ${cursors.length + 1}` : ''}, newest first.
              </Text>
              <DataTable
                caption="Attribution reports, newest first"
                rows={rows}
                columns={search.selected ? narrowColumns : columns}
                rowKey={(r) => r.id}
                selected={search.selected}
                onSelect={select}
                rowLabel={(r) => `${r.name}, ${formatTime(r.at)}`}
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
        title="Leak attribution"
        description="Each account, or bucket of accounts, is shown its own canary numbers. A leaked dump holding some of them says whose lookups it came from, and when."
      />
      <ListWithPanel
        list={list}
        panel={search.selected ? <AttributionPanel id={search.selected} /> : undefined}
        panelTitle="Attribution report"
        onClose={() => select(undefined)}
      />
    </>
  );
}
