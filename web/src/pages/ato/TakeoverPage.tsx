import {
  Alert,
  Anchor,
  Badge,
  Box,
  Code,
  Group,
  Paper,
  Stack,
  Table,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { IconArrowLeft, IconUserExclamation } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { createLink, Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { ApiError, api, unwrap } from '../../api/client.js';
import { formatDuration, formatTime } from '../../ui/format.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, QueryView } from '../../ui/states.js';
import { eventTypeLabel, formatScore, methodLabel, reasonLabel, verdictTone } from './labels.js';
import { atoTakeoverRoute, takeoverId } from './routes.js';
import { type EntryDecision, entryDecision } from './timeline.js';
import type { DecisionRow, Takeover, TakeoverTimeline } from './types.js';
import { AtoVerdictBadge } from './Verdict.js';

const AnchorLink = createLink(Anchor);

/** "2 h 5 min before the takeover", "at the time of the takeover". */
function relativeToTakeover(at: number, happenedAt: number): string {
  const seconds = Math.round((at - happenedAt) / 1000);
  if (seconds === 0) return 'at the time of the takeover';
  return `${formatDuration(Math.abs(seconds))} ${seconds < 0 ? 'before' : 'after'} the takeover`;
}

/** One stop of the timeline: its bullet on the line, and what happened there. */
function Stop({ bullet, last, children }: { bullet: ReactNode; last: boolean; children: ReactNode }) {
  return (
    <Box component="li" pos="relative" pl={44} pb={last ? 0 : 'md'}>
      {!last && (
        <Box pos="absolute" left={13} top={28} bottom={0} w={2} bg="var(--mantine-color-default-border)" />
      )}
      <Box pos="absolute" left={0} top={0}>
        {bullet}
      </Box>
      {children}
    </Box>
  );
}

function DecisionStop({
  decision,
  takeover,
  entry,
  last,
}: {
  decision: DecisionRow;
  takeover: Takeover;
  entry: EntryDecision | null;
  last: boolean;
}) {
  const tone = verdictTone(decision.decision);
  const isEntry = entry?.id === decision.id;
  return (
    <Stop
      last={last}
      bullet={
        <ThemeIcon radius="xl" size={28} color={tone.color} variant="light" aria-hidden>
          <tone.icon size={16} />
        </ThemeIcon>
      }
    >
      <Paper
        withBorder
        p="sm"
        radius="md"
        data-entry={isEntry || undefined}
        // Marked by its badge and words; the thick border only draws the eye to it.
        bd={isEntry ? '3px solid var(--mantine-color-orange-outline)' : undefined}
      >
        <Stack gap={4}>
          {isEntry && (
            <Group gap="xs">
              <Badge
                color="orange"
                variant="light"
                leftSection={<IconUserExclamation size={12} aria-hidden />}
                styles={{ label: { color: 'var(--mantine-color-text)' } }}
              >
                Let the attacker in
              </Badge>
              <Text size="xs">
                {entry?.found === 'event'
                  ? 'The platform named this event when it reported the takeover.'
                  : 'The last allowed event before the takeover (the platform named none that Custos assessed).'}
              </Text>
            </Group>
          )}
          <Group gap="xs" wrap="wrap">
            <Text size="sm" fw={600}>
              {eventTypeLabel(decision.eventType)}
            </Text>
            <AtoVerdictBadge decision={decision.decision} size="sm" />
            <Text size="sm">score {formatScore(decision.score)}</Text>
          </Group>
          <Text size="xs" c="dimmed">
            {formatTime(decision.at)}, {relativeToTakeover(decision.at, takeover.happenedAt)}
          </Text>
          <Text size="sm">
            Leading reason:{' '}
            {decision.reason === 'none' ? reasonLabel(decision.reason) : <Code>{decision.reason}</Code>}
            {decision.ip && (
              <>
                {' '}
                · IP <Code>{decision.ip}</Code>
              </>
            )}
            {decision.device && (
              <>
                {' '}
                · device <Code>{decision.device}</Code>
              </>
            )}
          </Text>
          <Text size="sm">
            <AnchorLink to="/ato/decisions" search={{ selected: decision.id }}>
              Open the assessment and its reasons
            </AnchorLink>
          </Text>
        </Stack>
      </Paper>
    </Stop>
  );
}

function TakeoverStop({ takeover, last }: { takeover: Takeover; last: boolean }) {
  return (
    <Stop
      last={last}
      bullet={
        <ThemeIcon radius="xl" size={28} color="red.8" aria-hidden>
          <IconUserExclamation size={16} />
        </ThemeIcon>
      }
    >
      <Paper p="sm" radius="md" withBorder data-takeover>
        <Text size="sm" fw={700}>
          Takeover ({methodLabel(takeover.method)})
        </Text>
        <Text size="xs" c="dimmed">
          {formatTime(takeover.happenedAt)}, as the platform reported it
        </Text>
      </Paper>
    </Stop>
  );
}

/** What Custos did at the event that let the attacker in, in one sentence. */
function EntryVerdict({ timeline, entry }: { timeline: TakeoverTimeline; entry: EntryDecision | null }) {
  const decision = entry && timeline.decisions.find((d) => d.id === entry.id);
  if (!decision)
    return (
      <Alert variant="light" color="gray" title="No assessment let the attacker in">
        Custos has no allowed assessment of this account before the takeover: the attacker got in through an
        event the platform did not ask about.
      </Alert>
    );
  const allowed = decision.decision === 'allow';
  return (
    <Alert
      variant="light"
      // Orange when let through; yellow when stopped once and got past: neither is a success.
      color={allowed ? 'orange' : 'yellow'}
      title={allowed ? 'Allowed through' : `${verdictTone(decision.decision).label}, yet taken over`}
      styles={{ title: { color: 'var(--mantine-color-text)' } }}
    >
      {eventTypeLabel(decision.eventType)} at {formatTime(decision.at)} was{' '}
      {verdictTone(decision.decision).label.toLowerCase()} with score {formatScore(decision.score)}
      {allowed
        ? '. Its reasons are what the model and rules saw; compare them with the decisions after it.'
        : decision.decision === 'challenge'
          ? ': the attacker passed the challenge, or got in another way.'
          : ': the platform let the event through regardless, or the attacker got in another way.'}
    </Alert>
  );
}

function Timeline({ timeline }: { timeline: TakeoverTimeline }) {
  const { takeover, decisions } = timeline;
  const entry = entryDecision(takeover, decisions);
  // The takeover stands among the decisions at its own time, after those at the same instant.
  const before = decisions.filter((d) => d.at <= takeover.happenedAt);
  const after = decisions.filter((d) => d.at > takeover.happenedAt);
  const rows: Array<[string, ReactNode]> = [
    ['Account', <Code key="account">{takeover.account}</Code>],
    ['Number', takeover.phone ? <Code key="phone">{takeover.phone}</Code> : '—'],
    ['Method', methodLabel(takeover.method)],
    ['Happened', formatTime(takeover.happenedAt)],
    ['Reported', formatTime(takeover.reportedAt)],
    [
      'Reported by',
      <Code key="reporter" style={{ wordBreak: 'break-all' }}>
        {takeover.reporter}
      </Code>,
    ],
    [
      'Event',
      takeover.eventId ? (
        <Code key="event" style={{ wordBreak: 'break-all' }}>
          {takeover.eventId}
        </Code>
      ) : (
        'Not named'
      ),
    ],
    ['Note', takeover.note ?? '—'],
  ];
  const count = before.length + after.length + 1;
  return (
    <Stack gap="lg">
      <Table variant="vertical" withTableBorder layout="fixed">
        <Table.Tbody>
          {rows.map(([label, value]) => (
            <Table.Tr key={label}>
              <Table.Th scope="row" w={120}>
                {label}
              </Table.Th>
              <Table.Td>{value}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <EntryVerdict timeline={timeline} entry={entry} />
      <Stack gap="sm">
        <Title order={2} size="h4">
          The account’s assessments around it
        </Title>
        <Text size="sm" c="dimmed">
          From 14 days before to 2 days after the takeover, oldest first
          {timeline.truncated ? '; only the first 500 are shown' : ''}.
        </Text>
        {decisions.length === 0 && (
          <Text size="sm">Custos assessed nothing for this account in that time.</Text>
        )}
        <Box component="ol" m={0} p={0} style={{ listStyle: 'none' }} aria-label="Timeline of the takeover">
          {before.map((d, i) => (
            <DecisionStop key={d.id} decision={d} takeover={takeover} entry={entry} last={i === count - 1} />
          ))}
          <TakeoverStop takeover={takeover} last={before.length === count - 1} />
          {after.map((d, i) => (
            <DecisionStop
              key={d.id}
              decision={d}
              takeover={takeover}
              entry={entry}
              last={before.length + 1 + i === count - 1}
            />
          ))}
        </Box>
      </Stack>
    </Stack>
  );
}

/** A confirmed takeover and the account's assessments before and after it. */
export function TakeoverPage() {
  const { id } = atoTakeoverRoute.useParams();
  const valid = takeoverId.test(id);
  const query = useQuery({
    queryKey: ['ato', 'takeover', id],
    enabled: valid,
    queryFn: () => unwrap(api.GET('/v1/ato/takeovers/{id}', { params: { path: { id } } })),
  });
  const notFound = !valid || (query.error instanceof ApiError && query.error.status === 404);
  return (
    <>
      <PageHeader
        title="Takeover timeline"
        description={
          <Anchor component={Link} to="/ato/takeovers">
            <Group gap={4} component="span" display="inline-flex">
              <IconArrowLeft size={14} aria-hidden />
              All confirmed takeovers
            </Group>
          </Anchor>
        }
      />
      {notFound ? (
        <EmptyState title="No such takeover">
          {valid
            ? 'No confirmed takeover has this id.'
            : 'A takeover id reads atk_ and 26 letters and digits.'}
        </EmptyState>
      ) : (
        <QueryView query={query}>{(timeline) => <Timeline timeline={timeline} />}</QueryView>
      )}
    </>
  );
}
