import { Button, Code, Group, Stack, Text, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.js';
import { useSession } from '../../app/session.js';
import { ConfirmAction, confirmDone } from '../../ui/actions.js';
import { DataTable } from '../../ui/DataTable.js';
import { formatRelative } from '../../ui/format.js';
import { ListWithPanel } from '../../ui/ListWithPanel.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, ErrorState, QueryView } from '../../ui/states.js';
import { requirementSentence } from './Decision.js';
import { RequestDetails } from './RequestDetails.js';
import { approvalsRoute } from './routes.js';
import { type AccessRequest, purposeLabel } from './types.js';

/** What the request still waits for, as the policies said after the last decision. */
function StillNeeded({ request }: { request: AccessRequest }) {
  const approvals = request.approvals.filter((a) => a.decision === 'approve');
  const security = approvals.some((a) => a.security);
  const management = approvals.some((a) => a.management);
  const sensitive = request.decision.policies.some((p) => p.id === 'sensitive-needs-security-and-management');
  const missing: string[] = [];
  if (sensitive && !security) missing.push('someone from security (analyst role)');
  if (sensitive && !management) missing.push('someone from the requester’s management chain');
  return (
    <Text size="sm">
      {approvals.length === 0 && !sensitive
        ? requirementSentence(
            {
              approvals: request.decision.policies.some((p) => p.id === 'export-needs-two') ? 2 : 1,
              securityApprovals: 0,
              managementApprovals: 0,
              grantedBy: [],
            },
            "the requester's",
          )
        : missing.length
          ? `Also needs approval from ${missing.join(' and ')}.`
          : 'One more approval grants it.'}
    </Text>
  );
}

function DecisionForm({ request, onDone }: { request: AccessRequest; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [comment, setComment] = useState('');
  const [touched, setTouched] = useState(false);
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'reject') =>
      unwrap(
        api.POST('/v1/access/requests/{id}/decisions', {
          params: { path: { id: request.id } },
          body: { decision, comment: comment.trim() },
        }),
      ),
    onSuccess: async (answer, decision) => {
      await queryClient.invalidateQueries({ queryKey: ['access'] });
      confirmDone(
        decision === 'reject'
          ? `You denied request ${answer.request.id}.`
          : answer.grant
            ? `You approved request ${answer.request.id}; grant ${answer.grant.id} is in force.`
            : `You approved request ${answer.request.id}; it still waits for another approver.`,
        decision === 'reject' ? 'Denied' : 'Approved',
      );
      setComment('');
      onDone();
    },
  });
  const reasonMissing = comment.trim().length < 3;
  return (
    <Stack gap="sm">
      <Textarea
        label="Reason for your decision"
        description="Recorded with your decision on the ledger."
        required
        autosize
        minRows={2}
        maxLength={2000}
        value={comment}
        onChange={(event) => setComment(event.currentTarget.value)}
        onBlur={() => setTouched(true)}
        error={touched && reasonMissing ? 'Give a reason of at least 3 characters' : undefined}
      />
      {decide.isError && <ErrorState error={decide.error} title="Your decision was not recorded" />}
      <Group>
        <Button
          color="green.9"
          loading={decide.isPending && decide.variables === 'approve'}
          disabled={reasonMissing}
          onClick={() => decide.mutate('approve')}
        >
          Approve
        </Button>
        <ConfirmAction
          label="Deny"
          title="Deny this request?"
          confirmLabel="Deny request"
          disabled={reasonMissing}
          loading={decide.isPending && decide.variables === 'reject'}
          onConfirm={() => decide.mutate('reject')}
        >
          Request {request.id} will be denied for good; the requester sees your reason and must ask again.
        </ConfirmAction>
      </Group>
    </Stack>
  );
}

export function ApprovalsPage() {
  const search = approvalsRoute.useSearch();
  const navigate = approvalsRoute.useNavigate();
  const session = useSession();
  const me = session?.user.id;
  const pending = useQuery({
    queryKey: ['access', 'requests', { status: 'pending', scope: 'all' }],
    queryFn: () =>
      unwrap(api.GET('/v1/access/requests', { params: { query: { status: 'pending', limit: 200 } } })),
  });
  const select = (selected: string | undefined) => void navigate({ search: { selected } });
  // Requests this person may still decide: not their own, not decided by them already.
  const waiting = (rows: AccessRequest[]) =>
    rows.filter((r) => r.requesterId !== me && !r.approvals.some((a) => a.approverId === me));
  const selected = pending.data?.requests.find((r) => r.id === search.selected);

  const list = (
    <QueryView query={pending}>
      {({ requests }) =>
        waiting(requests).length === 0 ? (
          <EmptyState title="Nothing waits for you">
            Pending requests you may decide on appear here.
          </EmptyState>
        ) : (
          <DataTable
            caption="Requests waiting for your decision"
            rows={waiting(requests)}
            rowKey={(r) => r.id}
            selected={search.selected}
            onSelect={select}
            rowLabel={(r) => `Request ${r.id} by ${r.requesterId}`}
            columns={[
              { key: 'requester', header: 'Requester', cell: (r) => <Code>{r.requesterId}</Code> },
              { key: 'purpose', header: 'Purpose', cell: (r) => purposeLabel(r.purpose) },
              {
                key: 'tier',
                header: 'Tier',
                cell: (r) => `Tier ${r.tier}${r.protectedSubjects ? ' · protected' : ''}`,
              },
              {
                key: 'scope',
                header: 'Scope',
                cell: (r) => `${r.subjects.length} user(s) · ${r.fields.length} field(s)`,
                hideOnPhone: true,
              },
              {
                key: 'expires',
                header: 'Expires',
                cell: (r) => formatRelative(r.expiresAt),
                hideOnPhone: true,
              },
            ]}
          />
        )
      }
    </QueryView>
  );
  const panel = search.selected ? (
    selected ? (
      <Stack>
        <RequestDetails request={selected} />
        <StillNeeded request={selected} />
        <DecisionForm request={selected} onDone={() => select(undefined)} />
      </Stack>
    ) : pending.isSuccess ? (
      <EmptyState title="Not waiting for you">
        This request is decided, or not one you may decide on.
      </EmptyState>
    ) : undefined
  ) : undefined;

  return (
    <>
      <PageHeader
        title="Approvals"
        description="Pending access requests you may decide on. Read the purpose, ticket and scope before deciding; every decision is recorded."
      />
      <ListWithPanel
        list={list}
        panel={panel}
        panelTitle="Decide on request"
        onClose={() => select(undefined)}
      />
    </>
  );
}
