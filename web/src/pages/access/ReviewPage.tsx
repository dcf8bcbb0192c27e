import { Button, Checkbox, Code, Group, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.js';
import { allows } from '../../app/permissions.js';
import { useSession } from '../../app/session.js';
import { ConfirmAction, confirmDone } from '../../ui/actions.js';
import { DataTable } from '../../ui/DataTable.js';
import { formatCount } from '../../ui/format.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, ErrorState, QueryView } from '../../ui/states.js';
import { reviewRoute } from './routes.js';
import type { ReviewItem } from './types.js';

/** The items assigned to this reviewer: select many, then confirm or revoke them in one action. */
function MyItems({ campaignId }: { campaignId: string }) {
  const queryClient = useQueryClient();
  const items = useQuery({
    queryKey: ['access', 'reviews', 'assigned'],
    queryFn: () => unwrap(api.GET('/v1/access/review-items', { params: { query: { pending: 'true' } } })),
  });
  const [chosen, setChosen] = useState<string[]>([]);
  const [comment, setComment] = useState('');
  const decide = useMutation({
    // One call per item: each decision is its own ledger record. Failures are reported by item.
    mutationFn: async (decision: 'confirm' | 'revoke') => {
      const failed: string[] = [];
      for (const id of chosen) {
        try {
          await unwrap(
            api.POST('/v1/access/review-items/{id}/decision', {
              params: { path: { id } },
              body: { decision, comment: comment.trim() },
            }),
          );
        } catch {
          failed.push(id);
        }
      }
      return { decision, done: chosen.length - failed.length, failed };
    },
    onSuccess: async ({ decision, done, failed }) => {
      await queryClient.invalidateQueries({ queryKey: ['access'] });
      setChosen(failed);
      if (done) confirmDone(`${done} item(s) ${decision === 'confirm' ? 'confirmed' : 'revoked'}.`);
    },
  });
  const mine = (rows: ReviewItem[]) => rows.filter((i) => i.campaignId === campaignId);
  return (
    <QueryView query={items}>
      {({ items: rows }) =>
        mine(rows).length === 0 ? (
          <EmptyState title="Nothing left for you to review here" />
        ) : (
          <Stack gap="sm">
            <DataTable
              caption="Items assigned to you"
              rows={mine(rows)}
              rowKey={(i) => i.id}
              columns={[
                {
                  key: 'pick',
                  header: (
                    <Checkbox
                      aria-label="Select every item"
                      checked={chosen.length === mine(rows).length}
                      indeterminate={chosen.length > 0 && chosen.length < mine(rows).length}
                      onChange={(e) => setChosen(e.currentTarget.checked ? mine(rows).map((i) => i.id) : [])}
                    />
                  ),
                  cell: (i) => (
                    <Checkbox
                      aria-label={`Select ${i.description}`}
                      checked={chosen.includes(i.id)}
                      onChange={(e) =>
                        setChosen((now) =>
                          e.currentTarget.checked ? [...now, i.id] : now.filter((x) => x !== i.id),
                        )
                      }
                    />
                  ),
                  width: 40,
                },
                { key: 'kind', header: 'Kind', cell: (i) => i.kind },
                { key: 'what', header: 'Privilege', cell: (i) => i.description },
                {
                  key: 'holder',
                  header: 'Holder',
                  cell: (i) => <Code>{i.holderId}</Code>,
                  hideOnPhone: true,
                },
              ]}
            />
            <Textarea
              label="Comment (recorded with each decision)"
              autosize
              value={comment}
              onChange={(e) => setComment(e.currentTarget.value)}
            />
            {decide.isError && <ErrorState error={decide.error} title="The decisions were not recorded" />}
            {decide.data && decide.data.failed.length > 0 && (
              <Text c="red" size="sm" role="alert">
                {decide.data.failed.length} item(s) could not be decided and stay selected.
              </Text>
            )}
            <Group>
              <Button
                color="indigo.8"
                disabled={chosen.length === 0}
                loading={decide.isPending && decide.variables === 'confirm'}
                onClick={() => decide.mutate('confirm')}
              >
                Confirm {chosen.length || ''} selected
              </Button>
              <ConfirmAction
                label={`Revoke ${chosen.length || ''} selected`}
                title="Revoke the selected privileges?"
                confirmLabel="Revoke"
                disabled={chosen.length === 0}
                loading={decide.isPending && decide.variables === 'revoke'}
                onConfirm={() => decide.mutate('revoke')}
              >
                {chosen.length} privilege(s) will be taken away at once: grants revoked, roles removed, keys
                revoked.
              </ConfirmAction>
            </Group>
          </Stack>
        )
      }
    </QueryView>
  );
}

export function ReviewPage() {
  const { id } = reviewRoute.useParams();
  const session = useSession();
  const report = useQuery({
    queryKey: ['access', 'reviews', 'report', id],
    queryFn: () => unwrap(api.GET('/v1/access/reviews/{id}/report', { params: { path: { id } } })),
    enabled: allows(session, 'access.reviews.read'),
  });
  return (
    <>
      <PageHeader title={report.data?.campaign.name ?? 'Review campaign'} description={`Campaign ${id}`} />
      <Stack gap="lg">
        {allows(session, 'access.reviews.decide') && (
          <Stack gap="xs">
            <Title order={2} size="h4">
              Your items
            </Title>
            <MyItems campaignId={id} />
          </Stack>
        )}
        {allows(session, 'access.reviews.read') && (
          <QueryView query={report}>
            {(r) => (
              <Stack gap="xs">
                <Title order={2} size="h4">
                  Progress
                </Title>
                <Text size="sm">
                  {formatCount(r.totals.items)} items: {formatCount(r.totals.confirmed)} confirmed,{' '}
                  {formatCount(r.totals.revoked)} revoked, {formatCount(r.totals.expired)} expired,{' '}
                  {formatCount(r.totals.pending)} pending.
                </Text>
                <DataTable
                  caption="Every item of the campaign"
                  rows={r.items}
                  rowKey={(i) => i.id}
                  columns={[
                    { key: 'what', header: 'Privilege', cell: (i) => i.description },
                    {
                      key: 'reviewer',
                      header: 'Reviewer',
                      cell: (i) => (i.reviewerId ? <Code>{i.reviewerId}</Code> : '—'),
                    },
                    { key: 'decision', header: 'Decision', cell: (i) => i.decision ?? 'pending' },
                  ]}
                />
              </Stack>
            )}
          </QueryView>
        )}
      </Stack>
    </>
  );
}
