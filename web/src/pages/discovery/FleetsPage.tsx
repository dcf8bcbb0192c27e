import { Anchor, Badge, Code, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { createLink } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client.js';
import { formatCount, formatRelative, formatTime } from '../../ui/format.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, QueryView } from '../../ui/states.js';
import { accountState } from './account-link.js';
import { formatPoints } from './labels.js';
import { ReasonPoints } from './ReasonPoints.js';
import type { Fleet } from './types.js';
import { DiscoveryVerdictBadge } from './Verdict.js';

const AnchorLink = createLink(Anchor);

/** How many of a fleet's accounts are listed before "and n more". */
const shownAccounts = 12;

function FleetCard({ fleet, index }: { fleet: Fleet; index: number }) {
  const titleId = `fleet-${index}`;
  const more = fleet.size - Math.min(shownAccounts, fleet.accounts.length);
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby={titleId} data-fleet={fleet.id}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Title order={2} size="h4" id={titleId}>
              {formatCount(fleet.size)} accounts acting as one
            </Title>
            <Text size="xs" c="dimmed">
              Fleet <Code>{fleet.id}</Code>
            </Text>
          </Stack>
          <Group gap="sm">
            <DiscoveryVerdictBadge decision={fleet.verdict} />
            <Text size="sm">
              Score <strong>{formatPoints(fleet.score)}</strong>
            </Text>
          </Group>
        </Group>
        <Table variant="vertical" withTableBorder layout="fixed">
          <Table.Tbody>
            <Table.Tr>
              <Table.Th scope="row" w={180}>
                Linked since
              </Table.Th>
              <Table.Td>
                {formatTime(fleet.since)} ({formatRelative(fleet.since)})
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Last judged</Table.Th>
              <Table.Td>{formatTime(fleet.at)}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Numbers asked together</Table.Th>
              <Table.Td>{formatCount(fleet.asked)}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
        <Stack gap="xs">
          <Title order={3} size="h5">
            Why the fleet was flagged
          </Title>
          <ReasonPoints reasons={fleet.reasons} />
        </Stack>
        <Stack gap="xs">
          <Title order={3} size="h5">
            Accounts
          </Title>
          <Group
            gap="xs"
            component="ul"
            m={0}
            p={0}
            style={{ listStyle: 'none' }}
            aria-label="Accounts of the fleet"
          >
            {fleet.accounts.slice(0, shownAccounts).map((account) => (
              <li key={account}>
                <Badge
                  variant="default"
                  radius="sm"
                  tt="none"
                  component={AnchorLink}
                  to="/discovery/decisions"
                  state={accountState(account)}
                  aria-label={`Decisions of ${account}`}
                  style={{ cursor: 'pointer' }}
                >
                  {account}
                </Badge>
              </li>
            ))}
          </Group>
          {more > 0 && (
            <Text size="xs" c="dimmed">
              and {formatCount(more)} more
              {fleet.size > fleet.accounts.length ? ' (the server lists the first 50)' : ''}.
            </Text>
          )}
        </Stack>
      </Stack>
    </Paper>
  );
}

/** The fleets this node flagged at its last recompute: many accounts judged as one actor. */
export function FleetsPage() {
  const fleets = useQuery({
    queryKey: ['discovery', 'fleets'],
    queryFn: () => unwrap(api.GET('/v1/discovery/fleets')),
    refetchInterval: 60_000,
  });
  return (
    <>
      <PageHeader
        title="Fleets"
        description="Accounts linked by a shared address, subnet or device, or registered together on one network, whose checks together look like enumeration. Each member's own score gets the fleet's."
      />
      <QueryView query={fleets}>
        {({ fleets: rows }) =>
          rows.length === 0 ? (
            <EmptyState title="No flagged fleet">
              No group of linked accounts looks like enumeration at the moment. Fleets are found again every
              ten minutes of checks; this list is the node that answered’s own.
            </EmptyState>
          ) : (
            <Stack gap="md">
              <Text size="sm" c="dimmed">
                {rows.length === 1 ? 'One fleet' : `${rows.length} fleets`}, the worst first, as this node
                last judged them.
              </Text>
              <SimpleGrid cols={{ base: 1, xl: 2 }} spacing="md">
                {rows.map((fleet, i) => (
                  <FleetCard key={fleet.id} fleet={fleet} index={i} />
                ))}
              </SimpleGrid>
            </Stack>
          )
        }
      </QueryView>
    </>
  );
}
