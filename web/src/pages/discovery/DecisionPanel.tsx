import { Anchor, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { createLink } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { ApiError, api, unwrap } from '../../api/client.js';
import { allows } from '../../app/permissions.js';
import { useSession } from '../../app/session.js';
import { formatCount, formatDuration, formatTime } from '../../ui/format.js';
import { EmptyState, QueryView } from '../../ui/states.js';
import { formatPoints, verdictMeaning } from './labels.js';
import { ReasonPoints } from './ReasonPoints.js';
import type { DiscoveryRecord } from './types.js';
import { DiscoveryVerdictBadge } from './Verdict.js';

const AnchorLink = createLink(Anchor);

/** One decision, read from the ledger's record of it. */
export const decisionQuery = (id: string) => ({
  queryKey: ['discovery', 'decision', id],
  queryFn: () => unwrap(api.GET('/v1/discovery/decisions/{id}', { params: { path: { id } } })),
  // A decision never changes once recorded.
  staleTime: Number.POSITIVE_INFINITY,
});

function Facts({ caption, rows }: { caption: string; rows: [string, ReactNode][] }) {
  return (
    <Table variant="vertical" withTableBorder layout="fixed" captionSide="top">
      <Table.Caption ta="left" fw={600} c="var(--mantine-color-text)">
        {caption}
      </Table.Caption>
      <Table.Tbody>
        {rows.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th scope="row" w={160}>
              {label}
            </Table.Th>
            <Table.Td>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** The decision: what was answered, how many numbers of each kind, and every reason with its points. */
export function DecisionDetails({ decision }: { decision: DiscoveryRecord }) {
  const session = useSession();
  const { counts } = decision;
  const meaning = verdictMeaning(decision.decision);
  return (
    <Stack gap="md">
      <Group gap="sm">
        <DiscoveryVerdictBadge decision={decision.decision} />
        <Text size="sm">
          Score <strong>{formatPoints(decision.score)}</strong>
        </Text>
      </Group>
      <Text size="sm">
        {decision.mode === 'incremental' ? 'An incremental sync' : 'A full sync'} of{' '}
        {formatCount(counts.numbers)} numbers at {formatTime(decision.at)} for account{' '}
        <Code>{decision.account}</Code>.{meaning ? ` ${meaning}` : ''}
      </Text>
      {decision.retryAfterMs !== null && (
        <Text size="sm">
          The platform was told to try again in {formatDuration(Math.ceil(decision.retryAfterMs / 1000))}.
        </Text>
      )}
      <Facts
        caption="Counts"
        rows={[
          ['Numbers asked', formatCount(counts.numbers)],
          ['New to the account', formatCount(counts.new)],
          ['Looked up before', formatCount(counts.known)],
          ['Malformed', formatCount(counts.invalid)],
          ['Repeated', formatCount(counts.duplicates)],
          ['Answered truthfully', formatCount(decision.allowed)],
          ['Canaries answered', formatCount(decision.canaries)],
        ]}
      />
      <Stack gap="xs">
        <Title order={3} size="h5">
          Reasons
        </Title>
        <ReasonPoints reasons={decision.reasons} />
      </Stack>
      <Facts
        caption="Check"
        rows={[
          ['Check', <Code key="id">{decision.id}</Code>],
          ['Account', <Code key="account">{decision.account}</Code>],
          ['Device', <Code key="device">{decision.device}</Code>],
          ['IP address', <Code key="ip">{decision.ip}</Code>],
          ['Network (ASN)', decision.asn === null ? '—' : `AS${decision.asn}`],
          ['Decided', formatTime(decision.decidedAt)],
          ['Asked by', <Code key="caller">{decision.caller}</Code>],
        ]}
      />
      <Text size="sm">
        Recorded in ledger entry{' '}
        {allows(session, 'ledger.read') ? (
          <AnchorLink to="/entries/$index" params={{ index: String(decision.ledgerIndex) }}>
            {decision.ledgerIndex}
          </AnchorLink>
        ) : (
          decision.ledgerIndex
        )}{' '}
        as record <Code>discovery.decision/{decision.id}</Code>.
      </Text>
    </Stack>
  );
}

/** The side panel of the decisions page: loads the decision by its id, so a reload keeps it open. */
export function DecisionPanel({ id }: { id: string }) {
  const query = useQuery(decisionQuery(id));
  if (query.isError && query.error instanceof ApiError && query.error.status === 404)
    return (
      <EmptyState title="No such decision">It is not in the ledger, or its record was erased.</EmptyState>
    );
  return <QueryView query={query}>{(decision) => <DecisionDetails decision={decision} />}</QueryView>;
}
