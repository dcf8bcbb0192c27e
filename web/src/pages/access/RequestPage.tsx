import {
  Alert,
  Button,
  Checkbox,
  Grid,
  Group,
  MultiSelect,
  Paper,
  Select,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { api, unwrap } from '../../api/client.js';
import { confirmDone } from '../../ui/actions.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { ErrorState, Loading } from '../../ui/states.js';
import { PreviewAnswer } from './Decision.js';
import { type CreateRequestBody, type Purpose, purposes } from './types.js';

const durations = [
  { value: '1h', label: '1 hour' },
  { value: '4h', label: '4 hours' },
  { value: '8h', label: '8 hours' },
  { value: '24h', label: '24 hours' },
  { value: '3d', label: '3 days' },
  { value: '7d', label: '7 days' },
];
const subjectPattern = /^[A-Za-z0-9_.:@+-]{1,128}$/;
const ticketPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

interface RequestForm {
  subjects: string[];
  fields: string[];
  operations: ('read' | 'export')[];
  purpose: Purpose;
  ticketId: string;
  duration: string;
  justification: string;
}

/** The fields of a request the preview can already judge, or null while they are incomplete. */
function previewable(values: RequestForm): Omit<CreateRequestBody, 'justification'> | null {
  if (values.subjects.length === 0 || values.fields.length === 0 || values.operations.length === 0)
    return null;
  if (!ticketPattern.test(values.ticketId.trim())) return null;
  if (values.subjects.some((s) => !subjectPattern.test(s))) return null;
  return {
    subjects: values.subjects,
    fields: values.fields,
    operations: values.operations,
    purpose: values.purpose,
    ticketId: values.ticketId.trim(),
    duration: values.duration,
  };
}

export function RequestPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const catalog = useQuery({
    queryKey: ['access', 'catalog'],
    queryFn: () => unwrap(api.GET('/v1/access/catalog')),
    staleTime: 5 * 60_000,
  });
  const form = useForm<RequestForm>({
    mode: 'controlled',
    initialValues: {
      subjects: [],
      fields: [],
      operations: ['read'],
      purpose: 'support',
      ticketId: '',
      duration: '4h',
      justification: '',
    },
    validate: {
      subjects: (v) =>
        v.length === 0
          ? 'Name at least one user'
          : v.some((s) => !subjectPattern.test(s))
            ? 'A user id is 1-128 letters, digits or _ . : @ + -'
            : null,
      fields: (v) => (v.length === 0 ? 'Choose at least one field class' : null),
      operations: (v) => (v.length === 0 ? 'Choose read, export or both' : null),
      ticketId: (v) => (ticketPattern.test(v.trim()) ? null : 'Enter the ticket this work is for'),
      justification: (v) => (v.trim().length >= 10 ? null : 'Say in at least 10 characters why'),
    },
  });
  // The policy's answer follows the form, asked once typing pauses.
  const [settled] = useDebouncedValue(form.values, 400);
  const body = previewable(settled);
  const preview = useQuery({
    queryKey: ['access', 'preview', body],
    queryFn: () => unwrap(api.POST('/v1/access/requests/preview', { body: body as CreateRequestBody })),
    enabled: body !== null,
    retry: false,
    staleTime: 10_000,
  });
  const create = useMutation({
    mutationFn: (values: RequestForm) =>
      unwrap(
        api.POST('/v1/access/requests', {
          body: { ...(previewable(values) as CreateRequestBody), justification: values.justification.trim() },
        }),
      ),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: ['access'] });
      confirmDone(
        created.grant
          ? `Request ${created.request.id} was granted by policy; the grant is in force now.`
          : `Request ${created.request.id} is waiting for approval.`,
        'Request sent',
      );
      await navigate({ to: '/access/requests', search: { scope: 'mine', selected: created.request.id } });
    },
  });

  return (
    <>
      <PageHeader
        title="Request access"
        description="Ask for time-bound access to named users’ data, on a ticket assigned to you. The approval policy’s answer shows beside the form as you fill it in."
      />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <form
            onSubmit={form.onSubmit((values) => create.mutate(values))}
            noValidate
            aria-label="Access request"
          >
            <Stack>
              <TagsInput
                label="Users (platform user ids)"
                description="Press Enter after each id. Access is to these users only."
                required
                splitChars={[',', ' ']}
                maxTags={100}
                {...form.getInputProps('subjects')}
              />
              {catalog.isError ? (
                <ErrorState
                  error={catalog.error}
                  onRetry={() => void catalog.refetch()}
                  title="The data catalog could not be loaded"
                />
              ) : (
                <MultiSelect
                  label="Field classes"
                  description="Tier 3 fields need approval from security and your management chain."
                  required
                  searchable
                  disabled={catalog.isPending}
                  data={(catalog.data?.fieldClasses ?? []).map((f) => ({
                    value: f.name,
                    label: `${f.name} (tier ${f.tier})`,
                  }))}
                  {...form.getInputProps('fields')}
                />
              )}
              <Checkbox.Group label="Operations" required {...form.getInputProps('operations')}>
                <Group mt={4}>
                  <Checkbox value="read" label="Read" />
                  <Checkbox value="export" label="Export" />
                </Group>
              </Checkbox.Group>
              <Group grow align="flex-start">
                <Select
                  label="Purpose"
                  required
                  allowDeselect={false}
                  data={purposes}
                  {...form.getInputProps('purpose')}
                />
                <Select
                  label="Duration"
                  required
                  allowDeselect={false}
                  data={durations}
                  {...form.getInputProps('duration')}
                />
              </Group>
              <TextInput label="Ticket" required placeholder="SUP-1234" {...form.getInputProps('ticketId')} />
              <Textarea
                label="Justification"
                required
                autosize
                minRows={3}
                maxLength={2000}
                {...form.getInputProps('justification')}
              />
              {create.isError && <ErrorState error={create.error} title="The request was not created" />}
              <Group>
                <Button type="submit" color="indigo.8" loading={create.isPending}>
                  Submit request
                </Button>
              </Group>
            </Stack>
          </form>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder p="md" radius="md" component="section" aria-labelledby="policy-answer">
            <Title order={2} size="h4" id="policy-answer" mb="sm">
              Policy’s answer
            </Title>
            <div aria-live="polite">
              {body === null ? (
                <Text size="sm" c="dimmed">
                  Name the users, field classes, operations and ticket to see what the approval policy would
                  say.
                </Text>
              ) : preview.isPending ? (
                <Loading rows={2} />
              ) : preview.isError ? (
                <ErrorState
                  error={preview.error}
                  onRetry={() => void preview.refetch()}
                  title="The policy could not be asked"
                />
              ) : (
                <PreviewAnswer preview={preview.data} />
              )}
            </div>
            {preview.isSuccess && preview.data.verdict === 'refused' && (
              <Alert color="red" variant="light" mt="sm">
                Change the request, or the ticket, before submitting.
              </Alert>
            )}
          </Paper>
        </Grid.Col>
      </Grid>
    </>
  );
}
