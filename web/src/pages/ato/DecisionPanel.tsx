import { Anchor, Code, Group, List, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { createLink } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { ApiError, api, unwrap } from '../../api/client.js';
import { allows } from '../../app/permissions.js';
import { useSession } from '../../app/session.js';
import { formatDuration, formatTime } from '../../ui/format.js';
import { EmptyState, QueryView } from '../../ui/states.js';
import { actionLabel, challengeLabel, eventTypeLabel, formatScore, ipKindLabel } from './labels.js';
import { ReasonBars } from './ReasonBars.js';
import type { AtoDecision } from './types.js';
import { AtoVerdictBadge } from './Verdict.js';

const AnchorLink = createLink(Anchor);

/** One assessment, read from the ledger's record of it. */
export const decisionQuery = (id: string) => ({
  queryKey: ['ato', 'decision', id],
  queryFn: () => unwrap(api.GET('/v1/ato/decisions/{id}', { params: { path: { id } } })),
  // An assessment never changes once recorded.
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
            <Table.Th scope="row" w={140}>
              {label}
            </Table.Th>
            <Table.Td>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

const none = (value: string | number | null | undefined): ReactNode =>
  value === null || value === undefined ? (
    <Text span size="sm" c="dimmed">
      —
    </Text>
  ) : (
    value
  );

const code = (value: string | null): ReactNode => (value === null ? none(value) : <Code>{value}</Code>);

/** The assessment: what was decided and asked, what it was based on, and every reason with its weight. */
export function DecisionDetails({ decision }: { decision: AtoDecision }) {
  const session = useSession();
  const { context } = decision;
  return (
    <Stack gap="md">
      <Group gap="sm">
        <AtoVerdictBadge decision={decision.decision} />
        <Text size="sm">
          Score <strong>{formatScore(decision.score)}</strong>
        </Text>
      </Group>
      <Text size="sm">
        {eventTypeLabel(decision.eventType)}
        {decision.outcome ? ` (${decision.outcome === 'success' ? 'succeeded' : 'failed'})` : ''} at{' '}
        {formatTime(decision.at)}
        {decision.account ? (
          <>
            {' '}
            for account <Code>{decision.account}</Code>
          </>
        ) : (
          ' for a number with no account yet'
        )}
        .
      </Text>
      {decision.challenges.length > 0 && (
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Asked for
          </Text>
          <List size="sm" spacing={2}>
            {decision.challenges.map((challenge) => (
              <List.Item key={challenge}>{challengeLabel(challenge)}</List.Item>
            ))}
          </List>
        </Stack>
      )}
      {decision.retryAfterMs !== null && (
        <Text size="sm">
          The same attempt could pass in {formatDuration(Math.ceil(decision.retryAfterMs / 1000))}.
        </Text>
      )}
      {decision.actions.length > 0 && (
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Recommended to the platform
          </Text>
          <List size="sm" spacing={2}>
            {decision.actions.map((action) => (
              <List.Item key={action}>{actionLabel(action)}</List.Item>
            ))}
          </List>
        </Stack>
      )}
      <Stack gap="xs">
        <Title order={3} size="h5">
          Reasons
        </Title>
        <ReasonBars reasons={decision.reasons} />
      </Stack>
      <Facts
        caption="Context"
        rows={[
          ['Country', none(context.country)],
          ['Network (ASN)', context.asn === null ? none(null) : `AS${context.asn}`],
          ['Hosting or VPN', context.hosting ? 'Yes' : 'No'],
          ['Address kind', ipKindLabel(context.ipKind)],
          ['Number country', none(context.phoneCountry)],
          ['Number type', none(context.phoneType?.replaceAll('_', ' '))],
          ['Browser or app', none(context.browser)],
          ['Operating system', none(context.os)],
          ['Device type', none(context.deviceType)],
        ]}
      />
      {/* DB-IP Lite's licence (CC BY 4.0) asks for this link wherever its locations are shown. */}
      <Text size="xs" c="dimmed">
        <Anchor href="https://db-ip.com" target="_blank" rel="noreferrer">
          IP Geolocation by DB-IP
        </Anchor>
        ; networks from RouteViews and DB-IP (CC BY 4.0).
      </Text>
      <Facts
        caption="Event"
        rows={[
          ['Assessment', <Code key="id">{decision.id}</Code>],
          ['Event id', code(decision.eventId)],
          ['Account', code(decision.account)],
          ['Number', code(decision.phone)],
          ['IP address', code(decision.ip)],
          ['Device', code(decision.device)],
          ['Answered', formatTime(decision.assessedAt)],
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
        as record <Code>ato.decision/{decision.id}</Code>.
      </Text>
    </Stack>
  );
}

/** The side panel of the decisions page: loads the assessment by its id, so a reload keeps it open. */
export function DecisionPanel({ id }: { id: string }) {
  const query = useQuery(decisionQuery(id));
  if (query.isError && query.error instanceof ApiError && query.error.status === 404)
    return (
      <EmptyState title="No such assessment">It is not in the ledger, or its record was erased.</EmptyState>
    );
  return <QueryView query={query}>{(decision) => <DecisionDetails decision={decision} />}</QueryView>;
}
