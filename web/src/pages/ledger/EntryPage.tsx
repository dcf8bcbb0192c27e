import { Anchor, Badge, Card, Code, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client.js';
import { formatTime } from '../../ui/format.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { ErrorState, QueryView } from '../../ui/states.js';
import { entryRoute } from './routes.js';
import { VerifyPanel } from './VerifyPanel.js';

export function EntryPage() {
  const { index: raw } = entryRoute.useParams();
  const index = /^(0|[1-9][0-9]{0,15})$/.test(raw) ? Number(raw) : null;
  const query = useQuery({
    queryKey: ['ledger', 'entry', index],
    enabled: index !== null,
    queryFn: () =>
      unwrap(api.GET('/v1/ledger/entries/{index}', { params: { path: { index: index as number } } })),
  });
  return (
    <>
      <PageHeader
        title={`Ledger entry ${raw}`}
        description={
          <Anchor component={Link} to="/ledger">
            Back to the ledger
          </Anchor>
        }
      />
      {index === null ? (
        <ErrorState title="No such entry" error={new Error('An entry index is a whole number.')} />
      ) : (
        <QueryView query={query}>
          {(entry) => (
            <Stack gap="lg">
              <Card withBorder>
                <Stack gap={4}>
                  <Text size="sm">
                    <Badge variant="light">{entry.kind}</Badge> logged {formatTime(entry.createdAt)}
                  </Text>
                  <Text size="sm" style={{ wordBreak: 'break-all' }}>
                    Leaf hash <Code>{entry.leafHash}</Code>
                  </Text>
                  <Text size="sm">Entry text:</Text>
                  <Code block>{entry.entry}</Code>
                </Stack>
              </Card>
              <Card withBorder>
                <Title order={2} size="h4" mb="xs">
                  Verify
                </Title>
                <VerifyPanel
                  index={entry.index}
                  entry={entry.entry}
                  integrated={entry.integrated}
                  records={entry.records}
                />
              </Card>
              <Card withBorder>
                <Title order={2} size="h4" mb="xs">
                  Records
                </Title>
                {!entry.contentShown && (
                  <Text size="sm" c="dimmed" mb="xs">
                    Your roles show the commitments only; records name end users.
                  </Text>
                )}
                <Table.ScrollContainer minWidth={320}>
                  <Table verticalSpacing="xs">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Record</Table.Th>
                        <Table.Th>Commitment</Table.Th>
                        <Table.Th>Content</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {entry.records.map((record) => (
                        <Table.Tr key={`${record.type}/${record.id}`}>
                          <Table.Td>
                            <Text size="sm">{record.type}</Text>
                            <Code>{record.id}</Code>
                          </Table.Td>
                          <Table.Td>
                            <Code style={{ wordBreak: 'break-all' }}>{record.commitment}</Code>
                          </Table.Td>
                          <Table.Td>
                            {record.erasedAt !== null ? (
                              <Text size="sm">Erased {formatTime(record.erasedAt)}</Text>
                            ) : record.canonical !== undefined ? (
                              <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                                {JSON.stringify(JSON.parse(record.canonical), null, 2)}
                              </Code>
                            ) : (
                              <Text size="sm" c="dimmed">
                                Not shown
                              </Text>
                            )}
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              </Card>
            </Stack>
          )}
        </QueryView>
      )}
    </>
  );
}
