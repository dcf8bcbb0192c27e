import {
  Anchor,
  Button,
  Checkbox,
  Group,
  Paper,
  Select,
  Stack,
  TagsInput,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createLink, useNavigate } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client.js';
import { allows } from '../../app/permissions.js';
import { useSession } from '../../app/session.js';
import { confirmDone } from '../../ui/actions.js';
import { DataTable } from '../../ui/DataTable.js';
import { formatTime } from '../../ui/format.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { EmptyState, ErrorState, QueryView } from '../../ui/states.js';
import { Verdict } from './Decision.js';

// Mantine's link look with the router's typed navigation.
const AnchorLink = createLink(Anchor);

function CreateCampaign() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const form = useForm({
    initialValues: {
      name: '',
      duration: '14d',
      grantsLongerThan: '',
      includeRoles: true,
      reviewers: [] as string[],
    },
    validate: {
      name: (v) => (v.trim().length >= 3 ? null : 'Name the campaign (3 characters or more)'),
      reviewers: (v) =>
        v.length && v.every((r) => /^usr_[0-9A-Za-z]+$/.test(r))
          ? null
          : 'Name fallback reviewers by their user id (usr_…)',
    },
  });
  const create = useMutation({
    mutationFn: (values: typeof form.values) =>
      unwrap(
        api.POST('/v1/access/reviews', {
          body: {
            name: values.name.trim(),
            duration: values.duration,
            includeRoles: values.includeRoles,
            reviewers: values.reviewers,
            ...(values.grantsLongerThan ? { grantsLongerThan: values.grantsLongerThan } : {}),
          },
        }),
      ),
    onSuccess: async (report) => {
      await queryClient.invalidateQueries({ queryKey: ['access', 'reviews'] });
      confirmDone(
        `Campaign “${report.campaign.name}” started with ${report.totals.items} item(s) to review.`,
        'Campaign started',
      );
      await navigate({ to: '/access/reviews/$id', params: { id: report.campaign.id } });
    },
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="new-campaign">
      <Title order={2} size="h4" id="new-campaign" mb="sm">
        Start a review campaign
      </Title>
      <form onSubmit={form.onSubmit((values) => create.mutate(values))} noValidate>
        <Stack gap="sm">
          <TextInput label="Name" required {...form.getInputProps('name')} />
          <Group grow align="flex-start">
            <Select
              label="Time to review"
              allowDeselect={false}
              data={['7d', '14d', '30d', '90d']}
              {...form.getInputProps('duration')}
            />
            <Select
              label="Include grants longer than"
              clearable
              placeholder="Leave grants out"
              data={['1d', '3d', '7d']}
              {...form.getInputProps('grantsLongerThan')}
            />
          </Group>
          <Checkbox
            label="Review standing roles and service keys"
            {...form.getInputProps('includeRoles', { type: 'checkbox' })}
          />
          <TagsInput label="Fallback reviewers (user ids)" required {...form.getInputProps('reviewers')} />
          {create.isError && <ErrorState error={create.error} title="The campaign was not started" />}
          <Group>
            <Button type="submit" color="indigo.8" loading={create.isPending}>
              Start campaign
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

export function ReviewsPage() {
  const session = useSession();
  const readsCampaigns = allows(session, 'access.reviews.read');
  const campaigns = useQuery({
    queryKey: ['access', 'reviews', 'campaigns'],
    queryFn: () => unwrap(api.GET('/v1/access/reviews')),
    enabled: readsCampaigns,
  });
  const mine = useQuery({
    queryKey: ['access', 'reviews', 'assigned'],
    queryFn: () => unwrap(api.GET('/v1/access/review-items', { params: { query: { pending: 'true' } } })),
    enabled: allows(session, 'access.reviews.decide'),
  });
  const assignedCampaigns = [...new Set(mine.data?.items.map((i) => i.campaignId) ?? [])];
  return (
    <>
      <PageHeader
        title="Access reviews"
        description="Campaigns that ask, privilege by privilege, whether standing access and long grants are still needed."
      />
      <Stack gap="lg">
        {allows(session, 'access.reviews.manage') && <CreateCampaign />}
        {allows(session, 'access.reviews.decide') && (
          <Stack gap="xs">
            <Title order={2} size="h4">
              Assigned to you
            </Title>
            <QueryView query={mine}>
              {({ items }) =>
                items.length === 0 ? (
                  <EmptyState title="Nothing to review">
                    Items a campaign assigns to you appear here.
                  </EmptyState>
                ) : (
                  <Stack gap={4}>
                    {assignedCampaigns.map((id) => (
                      <AnchorLink key={id} to="/access/reviews/$id" params={{ id }}>
                        {items.filter((i) => i.campaignId === id).length} item(s) in campaign {id}
                      </AnchorLink>
                    ))}
                  </Stack>
                )
              }
            </QueryView>
          </Stack>
        )}
        {readsCampaigns && (
          <Stack gap="xs">
            <Title order={2} size="h4">
              Campaigns
            </Title>
            <QueryView query={campaigns}>
              {({ campaigns: rows }) =>
                rows.length === 0 ? (
                  <EmptyState title="No campaign yet" />
                ) : (
                  <DataTable
                    caption="Review campaigns"
                    rows={rows}
                    rowKey={(c) => c.id}
                    columns={[
                      {
                        key: 'name',
                        header: 'Campaign',
                        cell: (c) => (
                          <AnchorLink to="/access/reviews/$id" params={{ id: c.id }}>
                            {c.name}
                          </AnchorLink>
                        ),
                      },
                      {
                        key: 'status',
                        header: 'Status',
                        cell: (c) => (
                          <Verdict verdict={c.status === 'open' ? 'pending' : 'ended'} size="sm" />
                        ),
                      },
                      { key: 'deadline', header: 'Deadline', cell: (c) => formatTime(c.deadline) },
                      {
                        key: 'created',
                        header: 'Started',
                        cell: (c) => formatTime(c.createdAt),
                        hideOnPhone: true,
                      },
                    ]}
                  />
                )
              }
            </QueryView>
          </Stack>
        )}
      </Stack>
    </>
  );
}
