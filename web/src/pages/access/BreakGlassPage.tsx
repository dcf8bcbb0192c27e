import {
  Button,
  Code,
  Group,
  MultiSelect,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  TagsInput,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.js';
import { allows } from '../../app/permissions.js';
import { useSession } from '../../app/session.js';
import { ConfirmAction, confirmDone } from '../../ui/actions.js';
import { DataTable } from '../../ui/DataTable.js';
import { formatRelative, formatTime } from '../../ui/format.js';
import { ListWithPanel } from '../../ui/ListWithPanel.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, ErrorState, QueryView } from '../../ui/states.js';
import { Verdict } from './Decision.js';
import { breakGlassRoute } from './routes.js';
import type { BreakGlassUse } from './types.js';

const state = (use: BreakGlassUse) =>
  use.outcome === 'confirmed' ? 'approved' : use.outcome === 'rejected' ? 'rejected' : 'pending';

/** For on-call engineers: a short emergency read grant, announced to security at once. */
function UseBreakGlass() {
  const queryClient = useQueryClient();
  const catalog = useQuery({
    queryKey: ['access', 'catalog'],
    queryFn: () => unwrap(api.GET('/v1/access/catalog')),
  });
  const form = useForm({
    initialValues: {
      subjects: [] as string[],
      fields: [] as string[],
      duration: '1h',
      reason: '',
      incident: '',
    },
    validate: {
      subjects: (v) => (v.length ? null : 'Name at least one user'),
      fields: (v) => (v.length ? null : 'Choose at least one field class'),
      reason: (v) => (v.trim().length >= 20 ? null : 'Say in at least 20 characters what the emergency is'),
    },
  });
  const use = useMutation({
    mutationFn: (values: typeof form.values) =>
      unwrap(
        api.POST('/v1/access/break-glass', {
          body: {
            subjects: values.subjects,
            fields: values.fields,
            duration: values.duration,
            reason: values.reason.trim(),
            ...(values.incident.trim() ? { incident: values.incident.trim() } : {}),
          },
        }),
      ),
    onSuccess: async (answer) => {
      await queryClient.invalidateQueries({ queryKey: ['access'] });
      confirmDone(
        `Grant ${answer.grant.id} is in force until ${formatTime(answer.grant.expiresAt)}; security has been told.`,
        'Break-glass used',
      );
      form.reset();
    },
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="use-break-glass">
      <Title order={2} size="h4" id="use-break-glass" mb="sm">
        Use break-glass
      </Title>
      <form onSubmit={form.onSubmit((values) => use.mutate(values))} noValidate>
        <Stack gap="sm">
          <TagsInput
            label="Users (platform user ids)"
            required
            splitChars={[',', ' ']}
            {...form.getInputProps('subjects')}
          />
          <MultiSelect
            label="Field classes"
            required
            searchable
            data={(catalog.data?.fieldClasses ?? []).map((f) => ({
              value: f.name,
              label: `${f.name} (tier ${f.tier})`,
            }))}
            {...form.getInputProps('fields')}
          />
          <Group grow align="flex-start">
            <Select
              label="Duration"
              allowDeselect={false}
              data={['30m', '1h', '2h', '4h']}
              {...form.getInputProps('duration')}
            />
            <TextInput label="Incident or ticket" {...form.getInputProps('incident')} />
          </Group>
          <Textarea
            label="What is the emergency?"
            required
            autosize
            minRows={2}
            maxLength={2000}
            {...form.getInputProps('reason')}
          />
          {use.isError && <ErrorState error={use.error} title="Break-glass was not granted" />}
          <Group>
            <Button type="submit" color="red.9" loading={use.isPending}>
              Break glass
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function ReviewUse({ use }: { use: BreakGlassUse }) {
  const queryClient = useQueryClient();
  const [comment, setComment] = useState('');
  const review = useMutation({
    mutationFn: (outcome: 'confirmed' | 'rejected') =>
      unwrap(
        api.POST('/v1/access/break-glass/{id}/review', {
          params: { path: { id: use.id } },
          body: { outcome, comment: comment.trim() },
        }),
      ),
    onSuccess: async (answer) => {
      await queryClient.invalidateQueries({ queryKey: ['access'] });
      confirmDone(
        answer.breakGlass.outcome === 'rejected'
          ? `Use ${answer.breakGlass.id} rejected: its grant is revoked and the use escalated.`
          : `Use ${answer.breakGlass.id} confirmed as justified.`,
        'Reviewed',
      );
    },
  });
  const short = comment.trim().length < 3;
  return (
    <Stack gap="sm">
      <Textarea
        label="Review comment"
        required
        autosize
        minRows={2}
        value={comment}
        onChange={(e) => setComment(e.currentTarget.value)}
      />
      {review.isError && <ErrorState error={review.error} title="The review was not recorded" />}
      <Group>
        <Button
          color="green.9"
          disabled={short}
          loading={review.isPending && review.variables === 'confirmed'}
          onClick={() => review.mutate('confirmed')}
        >
          Confirm as justified
        </Button>
        <ConfirmAction
          label="Reject"
          title="Reject this break-glass use?"
          confirmLabel="Reject and revoke"
          disabled={short}
          loading={review.isPending && review.variables === 'rejected'}
          onConfirm={() => review.mutate('rejected')}
        >
          The use is marked unjustified, its grant is revoked at once and the case is escalated.
        </ConfirmAction>
      </Group>
    </Stack>
  );
}

export function BreakGlassPage() {
  const search = breakGlassRoute.useSearch();
  const navigate = breakGlassRoute.useNavigate();
  const session = useSession();
  const reviewer = allows(session, 'access.breakglass.review');
  const uses = useQuery({
    queryKey: ['access', 'break-glass', search.view],
    queryFn: () =>
      unwrap(
        api.GET('/v1/access/break-glass', {
          params: {
            query: { limit: 200, ...(search.view === 'pending' ? { pending: 'true' as const } : {}) },
          },
        }),
      ),
  });
  const select = (selected: string | undefined) =>
    void navigate({ search: (prev) => ({ ...prev, selected }) });
  const selected = uses.data?.uses.find((u) => u.id === search.selected);
  const list = (
    <Stack>
      {allows(session, 'access.breakglass.use') && <UseBreakGlass />}
      {reviewer && (
        <SegmentedControl
          aria-label="Which uses"
          value={search.view}
          onChange={(value) =>
            void navigate({ search: (prev) => ({ ...prev, view: value as 'all' | 'pending' }) })
          }
          data={[
            { value: 'all', label: 'All uses' },
            { value: 'pending', label: 'Waiting for review' },
          ]}
        />
      )}
      <QueryView query={uses}>
        {({ uses: rows }) =>
          rows.length === 0 ? (
            <EmptyState
              title={search.view === 'pending' ? 'Nothing waits for review' : 'No break-glass use yet'}
            />
          ) : (
            <DataTable
              caption="Break-glass uses"
              rows={rows}
              rowKey={(u) => u.id}
              selected={search.selected}
              onSelect={select}
              rowLabel={(u) => `Break-glass use ${u.id}`}
              columns={[
                { key: 'state', header: 'Review', cell: (u) => <Verdict verdict={state(u)} size="sm" /> },
                { key: 'actor', header: 'Engineer', cell: (u) => <Code>{u.actorId}</Code> },
                {
                  key: 'scope',
                  header: 'Scope',
                  cell: (u) => `${u.subjects.length} user(s) · ${u.fields.length} field(s)`,
                  hideOnPhone: true,
                },
                {
                  key: 'due',
                  header: 'Review due',
                  cell: (u) => (u.reviewedAt ? '—' : formatRelative(u.reviewDueAt)),
                },
              ]}
            />
          )
        }
      </QueryView>
    </Stack>
  );
  const panel = selected ? (
    <Stack>
      <Verdict verdict={state(selected)} />
      <UseDetails use={selected} />
      {reviewer && selected.reviewedAt === null && selected.actorId !== session?.user.id && (
        <ReviewUse use={selected} />
      )}
    </Stack>
  ) : undefined;
  return (
    <>
      <PageHeader
        title="Break-glass"
        description="Emergency access for engineers on call; security reviews every use."
      />
      <ListWithPanel
        list={list}
        panel={panel}
        panelTitle="Break-glass use"
        onClose={() => select(undefined)}
      />
    </>
  );
}

function UseDetails({ use }: { use: BreakGlassUse }) {
  const rows: [string, React.ReactNode][] = [
    ['Use', <Code key="id">{use.id}</Code>],
    ['Engineer', <Code key="a">{use.actorId}</Code>],
    ['Grant', <Code key="g">{use.grantId}</Code>],
    ['Emergency', use.reason],
    ['Incident', use.incident ?? '—'],
    ['Users', use.subjects.join(', ')],
    ['Fields', use.fields.join(', ')],
    ['Used', formatTime(use.createdAt)],
    ['Review due', formatTime(use.reviewDueAt)],
    [
      'Reviewed',
      use.reviewedAt
        ? `${formatTime(use.reviewedAt)} by ${use.reviewedBy ?? ''}: ${use.reviewComment ?? ''}`
        : '—',
    ],
  ];
  return (
    <Stack gap={4}>
      {rows.map(([label, value]) => (
        <Group key={label} gap="xs" wrap="nowrap" align="flex-start">
          <Title order={3} size="h6" w={110}>
            {label}
          </Title>
          <div>{value}</div>
        </Group>
      ))}
    </Stack>
  );
}
