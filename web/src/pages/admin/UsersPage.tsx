import { Badge, Button, Checkbox, Group, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { ApiError, api, unwrap } from '../../api/client.js';
import { allows } from '../../app/permissions.js';
import { useSession } from '../../app/session.js';
import { ConfirmAction, confirmDone } from '../../ui/actions.js';
import { DataTable } from '../../ui/DataTable.js';
import { formatTime } from '../../ui/format.js';
import { ListWithPanel } from '../../ui/ListWithPanel.js';
import { PageHeader } from '../../ui/PageHeader.js';
import { SecretOnce } from '../../ui/SecretOnce.js';
import { EmptyState, ErrorState, QueryView } from '../../ui/states.js';
import { type UserRole, userRoleChoices } from './roles.js';
import type { UsersSearch } from './routes.js';

const pageSize = 50;

function useUsersPage(search: UsersSearch) {
  return useQuery({
    queryKey: ['admin', 'users', { after: search.after ?? null, disabled: search.disabled ?? false }],
    queryFn: () =>
      unwrap(
        api.GET('/v1/users', {
          params: {
            query: {
              limit: pageSize,
              ...(search.after ? { after: search.after } : {}),
              ...(search.disabled ? { includeDisabled: 'true' as const } : {}),
            },
          },
        }),
      ),
  });
}

type User = NonNullable<ReturnType<typeof useUsersPage>['data']>['users'][number];

function RolesField({
  value,
  onChange,
  error,
}: {
  value: UserRole[];
  onChange: (roles: UserRole[]) => void;
  error?: React.ReactNode;
}) {
  return (
    <Checkbox.Group label="Roles" value={value} onChange={(v) => onChange(v as UserRole[])} error={error}>
      <Stack gap="xs" mt="xs">
        {userRoleChoices.map((role) => (
          <Checkbox key={role.value} value={role.value} label={role.label} description={role.description} />
        ))}
      </Stack>
    </Checkbox.Group>
  );
}

function UserPanel({ user, canWrite, isSelf }: { user: User; canWrite: boolean; isSelf: boolean }) {
  const queryClient = useQueryClient();
  const form = useForm({
    initialValues: { displayName: user.displayName, roles: user.roles as UserRole[] },
    validate: {
      displayName: (v) => (v.trim() ? null : 'Enter a name'),
      roles: (v) => (v.length ? null : 'Choose at least one role'),
    },
  });
  const save = useMutation({
    mutationFn: (values: { displayName: string; roles: UserRole[] }) =>
      unwrap(api.PATCH('/v1/users/{id}', { params: { path: { id: user.id } }, body: values })),
    onSuccess: async ({ user: saved }) => {
      form.resetDirty({ displayName: saved.displayName, roles: saved.roles as UserRole[] });
      await queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
      confirmDone(`${saved.username} now has the roles ${saved.roles.join(', ')}.`, 'User saved');
    },
  });
  const disable = useMutation({
    mutationFn: () => unwrap(api.POST('/v1/users/{id}/disable', { params: { path: { id: user.id } } })),
    onSuccess: async ({ user: saved }) => {
      await queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
      confirmDone(
        `${saved.username} is disabled; their sessions, grants and keys have ended.`,
        'User disabled',
      );
    },
  });
  const disabled = user.disabledAt !== null;
  return (
    <Stack>
      <Stack gap={2}>
        <Text size="sm">
          Username <strong>{user.username}</strong>
          {isSelf && ' (you)'}
        </Text>
        <Text size="sm" c="dimmed">
          Created {formatTime(user.createdAt)} · last sign-in {formatTime(user.lastLoginAt)}
          {user.oidc ? ' · signs in through the identity provider' : ''}
        </Text>
        {user.passwordChangeRequired && <Text size="sm">Has not yet replaced the generated password.</Text>}
        {disabled && <Badge color="gray">Disabled {formatTime(user.disabledAt)}</Badge>}
      </Stack>
      {canWrite && !disabled ? (
        <form onSubmit={form.onSubmit((values) => save.mutate(values))} noValidate>
          <Stack>
            <TextInput label="Display name" required {...form.getInputProps('displayName')} />
            <RolesField
              value={form.values.roles}
              onChange={(roles) => form.setFieldValue('roles', roles)}
              error={form.errors.roles}
            />
            {isSelf && (
              <Text size="xs" c="dimmed">
                You cannot take the admin role from yourself or disable yourself: another admin must.
              </Text>
            )}
            {save.error && <ErrorState error={save.error} title="Not saved" />}
            <Group>
              <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
                Save changes
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Text size="sm">Roles: {user.roles.join(', ')}</Text>
      )}
      {canWrite && !disabled && !isSelf && (
        <>
          {disable.error && <ErrorState error={disable.error} title="Not disabled" />}
          <Group>
            <ConfirmAction
              label="Disable user"
              title={`Disable ${user.username}?`}
              confirmLabel="Disable"
              loading={disable.isPending}
              onConfirm={() => disable.mutate()}
            >
              {user.username} will be signed out everywhere and cannot sign in again. Their grants and pending
              requests end and the API keys they created are revoked. This cannot be undone.
            </ConfirmAction>
          </Group>
        </>
      )}
    </Stack>
  );
}

function CreateUserPanel({ onCreated }: { onCreated: (id: string) => void }) {
  const queryClient = useQueryClient();
  // The generated password lives only here, never in the query or mutation cache.
  const [secret, setSecret] = useState<{ username: string; password: string } | null>(null);
  const [createdId, setCreatedId] = useState<string | null>(null);
  const form = useForm({
    initialValues: { username: '', displayName: '', roles: ['engineer'] as UserRole[] },
    validate: {
      username: (v) =>
        /^[a-z0-9][a-z0-9._-]{1,63}$/.test(v.trim().toLowerCase())
          ? null
          : 'Use 2-64 of a-z, 0-9, ".", "_" and "-"',
      roles: (v) => (v.length ? null : 'Choose at least one role'),
    },
  });
  const create = useMutation({
    mutationFn: async (values: { username: string; displayName: string; roles: UserRole[] }) => {
      const created = await unwrap(
        api.POST('/v1/users', {
          body: {
            username: values.username.trim().toLowerCase(),
            roles: values.roles,
            ...(values.displayName.trim() ? { displayName: values.displayName.trim() } : {}),
          },
        }),
      );
      if (created.generatedPassword)
        setSecret({ username: created.user.username, password: created.generatedPassword });
      return { id: created.user.id, username: created.user.username };
    },
    onSuccess: async (created) => {
      setCreatedId(created.id);
      await queryClient.invalidateQueries({ queryKey: ['admin', 'users'] });
      confirmDone(`${created.username} can sign in with the generated password once.`, 'User created');
    },
  });
  return (
    <>
      <form onSubmit={form.onSubmit((values) => create.mutate(values))} noValidate>
        <Stack>
          <TextInput label="Username" required autoComplete="off" {...form.getInputProps('username')} />
          <TextInput
            label="Display name"
            description="Defaults to the username."
            {...form.getInputProps('displayName')}
          />
          <RolesField
            value={form.values.roles}
            onChange={(roles) => form.setFieldValue('roles', roles)}
            error={form.errors.roles}
          />
          <Text size="xs" c="dimmed">
            Custos generates a password, shown once. The person must choose their own at first sign-in.
          </Text>
          {create.error && (
            <ErrorState
              error={create.error}
              title={
                create.error instanceof ApiError && create.error.status === 409
                  ? 'Username taken'
                  : 'Not created'
              }
            />
          )}
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
      <SecretOnce
        title={`Password for ${secret?.username ?? ''}`}
        label="Generated password"
        secret={secret?.password ?? null}
        onClose={() => {
          setSecret(null);
          if (createdId) onCreated(createdId);
        }}
      >
        <Text size="sm">
          Give it to {secret?.username} through a channel you trust. It works for one sign-in, after which
          they choose their own.
        </Text>
      </SecretOnce>
    </>
  );
}

export function UsersPage() {
  const search = useSearch({ from: '/app/admin/users' });
  const navigate = useNavigate({ from: '/admin/users' });
  const session = useSession();
  const canWrite = allows(session, 'users.write');
  const users = useUsersPage(search);
  const setSearch = (next: Partial<UsersSearch>) =>
    void navigate({ search: (prev) => ({ ...prev, ...next }) });
  const selected = users.data?.users.find((u) => u.id === search.selected);
  const selectedQuery = useQuery({
    queryKey: ['admin', 'users', 'one', search.selected],
    queryFn: () => unwrap(api.GET('/v1/users/{id}', { params: { path: { id: search.selected as string } } })),
    enabled: Boolean(search.selected && search.selected !== 'new' && !selected),
  });
  const panelUser = selected ?? selectedQuery.data?.user;

  let panel: React.ReactNode;
  let panelTitle: string | undefined;
  if (search.selected === 'new' && canWrite) {
    panelTitle = 'New user';
    panel = <CreateUserPanel onCreated={(id) => setSearch({ selected: id })} />;
  } else if (search.selected && search.selected !== 'new') {
    panelTitle = panelUser ? panelUser.displayName : 'User';
    panel = panelUser ? (
      <UserPanel
        key={`${panelUser.id}-${panelUser.roles.join()}-${panelUser.displayName}`}
        user={panelUser}
        canWrite={canWrite}
        isSelf={panelUser.id === session?.user.id}
      />
    ) : (
      <QueryView query={selectedQuery}>{() => null}</QueryView>
    );
  }

  return (
    <>
      <PageHeader
        title="Users and roles"
        description="The people who sign in to Custos and what their roles let them do. Changes apply on their next request."
        actions={
          canWrite && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setSearch({ selected: 'new' })}>
              New user
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
              label="Show disabled users"
              checked={search.disabled ?? false}
              onChange={(event) =>
                setSearch({ disabled: event.currentTarget.checked || undefined, after: undefined })
              }
            />
            <QueryView query={users}>
              {(data) =>
                data.users.length === 0 ? (
                  <EmptyState title="No users on this page">
                    {search.after ? 'Go back to the first page.' : 'Create the first user with New user.'}
                  </EmptyState>
                ) : (
                  <>
                    <DataTable
                      caption="Console users"
                      rows={data.users}
                      rowKey={(u) => u.id}
                      selected={search.selected}
                      onSelect={(id) => setSearch({ selected: id })}
                      rowLabel={(u) => `${u.displayName} (${u.username}), ${u.roles.join(', ')}`}
                      columns={[
                        {
                          key: 'name',
                          header: 'Name',
                          cell: (u) => (
                            <Stack gap={0}>
                              <Text size="sm" fw={500}>
                                {u.displayName}
                              </Text>
                              <Text size="xs" c="dimmed">
                                {u.username}
                              </Text>
                            </Stack>
                          ),
                        },
                        {
                          key: 'roles',
                          header: 'Roles',
                          cell: (u) => u.roles.join(', '),
                        },
                        {
                          key: 'state',
                          header: 'State',
                          hideOnPhone: true,
                          cell: (u) =>
                            u.disabledAt !== null
                              ? 'Disabled'
                              : u.passwordChangeRequired
                                ? 'Must choose a password'
                                : 'Active',
                        },
                        {
                          key: 'last',
                          header: 'Last sign-in',
                          hideOnPhone: true,
                          cell: (u) => formatTime(u.lastLoginAt),
                        },
                      ]}
                    />
                    <Group>
                      {search.after && (
                        <Button variant="default" onClick={() => setSearch({ after: undefined })}>
                          First page
                        </Button>
                      )}
                      {data.nextCursor && (
                        <Button
                          variant="default"
                          onClick={() => setSearch({ after: data.nextCursor ?? undefined })}
                        >
                          Next page
                        </Button>
                      )}
                    </Group>
                  </>
                )
              }
            </QueryView>
          </Stack>
        }
      />
    </>
  );
}
