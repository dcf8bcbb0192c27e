import { Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { formatDuration, formatRelative, formatTime } from '../../ui/format.js';
import { RequestDecision } from './Decision.js';
import { type AccessRequest, purposeLabel } from './types.js';

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th scope="row" w={140} fw={500}>
        {label}
      </Table.Th>
      <Table.Td>{children}</Table.Td>
    </Table.Tr>
  );
}

/**
 * What an approver needs before deciding: purpose, ticket, subjects × fields, expiry, the policy
 * decision and who has approved so far.
 */
export function RequestDetails({ request }: { request: AccessRequest }) {
  return (
    <Stack gap="md">
      <RequestDecision request={request} />
      <Table variant="vertical" layout="fixed" withTableBorder>
        <Table.Tbody>
          <Row label="Request">
            <Code>{request.id}</Code>
          </Row>
          <Row label="Requester">
            <Code>{request.requesterId}</Code>
          </Row>
          <Row label="Purpose">{purposeLabel(request.purpose)}</Row>
          <Row label="Ticket">
            <Code>{request.ticketId}</Code>
          </Row>
          <Row label="Operations">{request.operations.join(', ')}</Row>
          <Row label="Duration">{formatDuration(request.durationMs / 1000)}</Row>
          <Row label="Sensitivity">
            Tier {request.tier}
            {request.protectedSubjects ? ' · protected subject' : ''}
          </Row>
          <Row label="Asked">{formatTime(request.createdAt)}</Row>
          <Row label={request.status === 'pending' ? 'Expires' : 'Decided'}>
            {request.status === 'pending'
              ? `${formatTime(request.expiresAt)} (${formatRelative(request.expiresAt)})`
              : formatTime(request.decidedAt)}
          </Row>
        </Table.Tbody>
      </Table>
      <Stack gap={4}>
        <Title order={3} size="h5">
          Justification
        </Title>
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {request.justification}
        </Text>
      </Stack>
      <Stack gap={4}>
        <Title order={3} size="h5">
          Subjects × fields
        </Title>
        <Table withTableBorder fz="xs" aria-label="Subjects and the fields requested of each">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Subject</Table.Th>
              <Table.Th>Fields</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {request.subjects.map((subject) => (
              <Table.Tr key={subject}>
                <Table.Td>
                  <Code>{subject}</Code>
                </Table.Td>
                <Table.Td>{request.fields.join(', ')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
      <Stack gap={4}>
        <Title order={3} size="h5">
          Decisions so far
        </Title>
        {request.approvals.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nobody has decided yet.
          </Text>
        ) : (
          request.approvals.map((approval) => (
            <Group key={approval.approverId} gap="xs" wrap="nowrap" align="flex-start">
              <Text size="sm">
                <Code>{approval.approverId}</Code> {approval.decision === 'approve' ? 'approved' : 'denied'}
                {approval.security ? ' as security' : ''}
                {approval.management ? ' from the management chain' : ''} · {formatTime(approval.createdAt)}
                {approval.comment ? ` — “${approval.comment}”` : ''}
              </Text>
            </Group>
          ))
        )}
      </Stack>
    </Stack>
  );
}
