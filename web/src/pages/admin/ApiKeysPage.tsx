import {
  Badge,
  Button,
  Group,
  MultiSelect,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.js';
import { allows } from '../../app/permissions.js';
import { useSession } from '../../app/session.js';
import { ConfirmAction, confirmDone } from '../../ui/actions.js';
import { DataTable } from '../../ui/DataTable.js';
import { formatTime } from '../../ui/format.js';
import { ListWithPanel } from '../../ui/ListWithPanel.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { SecretOnce } from '../../ui/SecretOnce.js';
import { EmptyState, ErrorState, QueryView } from '../../ui/states.js';
import { type KeyRole, keyRoleChoices } from './roles.js';
import type { ApiKeysSearch } from './routes.js';

const expiryChoices = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never (revoke by hand)' },
];

function useApiKeys(revoked: boolean) {
  return useQuery({
    queryKey: ['admin', 'api-keys', { revoked }],
    queryFn: () =>
      unwrap(api.GET('/v1/apikeys', { params: { query: revoked ? { includeRevoked: 'true' } : {} } })),
  });
}
type ApiKey = NonNullable<ReturnType<typeof useApiKeys>['data']>['apiKeys'][number];

function keyState(key: ApiKey): string {
  if (key.revokedAt !== null) return 'Revoked';
  if (key.expiresAt !== null && key.expiresAt <= Date.now()) return 'Expired';
  return 'Active';
}

function KeyPanel({ apiKey, canWrite }: { apiKey: ApiKey; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/apikeys/{id}/revoke', { params: { path: { id: apiKey.id } } })),
    onSuccess: async ({ apiKey: saved }) => {
      await queryClient.invalidateQueries({ queryKey: ['admin', 'api-keys'] });
      confirmDone(`The key ${saved.name} is revoked; its next use is refused.`, 'Key revoked');
    },
  });
  return (
    <Stack>
      <Text size="sm">
        Starts with <code>{apiKey.prefix}</code> · {keyState(apiKey)}
      </Text>
      <Text size="sm">Roles: {apiKey.roles.join(', ')}</Text>
      <Text size="sm">
        Scopes: {apiKey.scopes.length ? apiKey.scopes.join(', ') : 'everything its roles allow'}
      </Text>
      <Text size="sm" c="dimmed">
        Created {formatTime(apiKey.createdAt)} · expires{' '}
        {apiKey.expiresAt ? formatTime(apiKey.expiresAt) : 'never'} · last used{' '}
        {formatTime(apiKey.lastUsedAt)}
      </Text>
      {revoke.error && <ErrorState error={revoke.error} title="Not revoked" />}
      {canWrite && apiKey.revokedAt === null && (
        <Group>
          <ConfirmAction
            label="Revoke key"
            title={`Revoke ${apiKey.name}?`}
            confirmLabel="Revoke"
            loading={revoke.isPending}
            onConfirm={() => revoke.mutate()}
          >
            Every service using this key is refused from its next call. This cannot be undone; a new key would
            have to be created and deployed.
          </ConfirmAction>
        </Group>
      )}
    </Stack>
  );
}

function CreateKeyPanel({ onCreated }: { onCreated: (id: string) => void }) {
  const queryClient = useQueryClient();
  // The token lives only in this state while the dialog is open: never in the query or mutation cache.
  const [token, setToken] = useState<string | null>(null);
  const [createdId, setCreatedId] = useState<string | null>(null);
  const form = useForm({
    initialValues: { name: '', roles: ['service'] as KeyRole[], scopes: [] as string[], expiry: '90' },
    validate: {
      name: (v) => (v.trim() && v.trim().length <= 64 ? null : 'Name the key (up to 64 characters)'),
      roles: (v) => (v.length ? null : 'Choose at least one role'),
    },
  });
  const create = useMutation({
    mutationFn: async (values: typeof form.values) => {
      const created = await unwrap(
        api.POST('/v1/apikeys', {
          body: {
            name: values.name.trim(),
            roles: values.roles,
            ...(values.scopes.length ? { scopes: values.scopes } : {}),
            ...(values.expiry === 'never'
              ? {}
              : { expiresAt: Date.now() + Number(values.expiry) * 86_400_000 }),
          },
        }),
      );
      setToken(created.token);
      return { id: created.apiKey.id, name: created.apiKey.name };
    },
    onSuccess: async (created) => {
      setCreatedId(created.id);
      await queryClient.invalidateQueries({ queryKey: ['admin', 'api-keys'] });
      confirmDone(`The key ${created.name} is created.`, 'Key created');
    },
  });
  return (
    <>
      <form onSubmit={form.onSubmit((values) => create.mutate(values))} noValidate>
        <Stack>
          <TextInput
            label="Name"
            description="Which service uses it, e.g. support-desk."
            required
            {...form.getInputProps('name')}
          />
          <MultiSelect label="Roles" data={keyRoleChoices} required {...form.getInputProps('roles')} />
          <TagsInput
            label="Scopes"
            description="Permission names the key is limited to, e.g. access.check. Empty: a service key gets access.check and access.catalog.read."
            {...form.getInputProps('scopes')}
          />
          <Select
            label="Expires"
            data={expiryChoices}
            allowDeselect={false}
            {...form.getInputProps('expiry')}
          />
          {create.error && <ErrorState error={create.error} title="Not created" />}
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create key
            </Button>
          </Group>
        </Stack>
      </form>
      <SecretOnce
        title="Your new API key"
        label="Token"
        secret={token}
        onClose={() => {
          setToken(null);
          if (createdId) onCreated(createdId);
        }}
      >
        <Text size="sm">Store it in the service's secret store. Send it as `Authorization: Bearer …`.</Text>
      </SecretOnce>
    </>
  );
}

export function ApiKeysPage() {
  const search = useSearch({ from: '/app/admin/api-keys' });
  const navigate = useNavigate({ from: '/admin/api-keys' });
  const session = useSession();
  const canWrite = allows(session, 'apikeys.write');
  const keys = useApiKeys(search.revoked ?? false);
  const setSearch = (next: Partial<ApiKeysSearch>) =>
    void navigate({ search: (prev) => ({ ...prev, ...next }) });
  const selected = keys.data?.apiKeys.find((k) => k.id === search.selected);

  let panel: React.ReactNode;
  let panelTitle: string | undefined;
  if (search.selected === 'new' && canWrite) {
    panelTitle = 'New API key';
    panel = <CreateKeyPanel onCreated={(id) => setSearch({ selected: id })} />;
  } else if (selected) {
    panelTitle = selected.name;
    panel = <KeyPanel apiKey={selected} canWrite={canWrite} />;
  }

  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys the platform's services call Custos with. A key's secret is shown once, when it is created."
        actions={
          canWrite && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setSearch({ selected: 'new' })}>
              New API key
            </Button>
          )
        }
      />
      <ListWithPanel
        panel={panel}
        panelTitle={panelTitle}
        onClose={() => setSearch({ selected: undefined })}
        list={
          <Stack>
            <Switch
              label="Show revoked keys"
              checked={search.revoked ?? false}
              onChange={(event) => setSearch({ revoked: event.currentTarget.checked || undefined })}
            />
            <QueryView query={keys}>
              {(data) =>
                data.apiKeys.length === 0 ? (
                  <EmptyState title="No API keys yet">
                    {canWrite ? 'Create one with New API key for each service that calls Custos.' : null}
                  </EmptyState>
                ) : (
                  <DataTable
                    caption="API keys"
                    rows={data.apiKeys}
                    rowKey={(k) => k.id}
                    selected={search.selected}
                    onSelect={(id) => setSearch({ selected: id })}
                    rowLabel={(k) => `${k.name}, ${keyState(k)}`}
                    columns={[
                      { key: 'name', header: 'Name', cell: (k) => k.name },
                      { key: 'roles', header: 'Roles', cell: (k) => k.roles.join(', ') },
                      {
                        key: 'state',
                        header: 'State',
                        cell: (k) => (
                          <Badge variant="dot" color={keyState(k) === 'Active' ? 'green' : 'gray'}>
                            {keyState(k)}
                          </Badge>
                        ),
                      },
                      {
                        key: 'expires',
                        header: 'Expires',
                        hideOnPhone: true,
                        cell: (k) => (k.expiresAt ? formatTime(k.expiresAt) : 'Never'),
                      },
                      {
                        key: 'used',
                        header: 'Last used',
                        hideOnPhone: true,
                        cell: (k) => formatTime(k.lastUsedAt),
                      },
                    ]}
                  />
                )
              }
            </QueryView>
          </Stack>
        }
      />
    </>
  );
}
