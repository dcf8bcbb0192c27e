import {
  Alert,
  Anchor,
  Button,
  Center,
  Divider,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconShieldLock } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useEffect } from 'react';
import { ApiError, api, unwrap } from '../api/client.js';
import type { Session } from './permissions.js';
import { safeNext, sessionQuery } from './session.js';

export function SignInPage() {
  const search = useSearch({ from: '/sign-in' });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const methods = useQuery({
    queryKey: ['sign-in-methods'],
    queryFn: () => unwrap(api.GET('/v1/auth/methods')),
  });
  const form = useForm({
    initialValues: { username: '', password: '' },
    validate: {
      username: (v) => (v.trim() ? null : 'Enter your username'),
      password: (v) => (v ? null : 'Enter your password'),
    },
  });
  useEffect(() => {
    document.title = 'Sign in · Custos';
  }, []);
  const signIn = useMutation({
    mutationFn: (values: { username: string; password: string }) =>
      unwrap(
        api.POST('/v1/auth/login', { body: { username: values.username.trim(), password: values.password } }),
      ),
    onSuccess: async (session) => {
      queryClient.clear();
      const signedIn: Session = { user: session.user, permissions: session.permissions };
      queryClient.setQueryData(sessionQuery.queryKey, signedIn);
      const next = safeNext(search.next);
      if (session.user.passwordChangeRequired)
        await navigate({ to: '/password', search: next ? { next } : {} });
      else await navigate({ href: next ?? '/' });
    },
  });
  const failure =
    signIn.error instanceof ApiError && signIn.error.status === 401
      ? 'That username and password do not match an active account.'
      : signIn.error?.message;

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={400} component="main">
        <Stack>
          <Stack gap={4} align="center">
            <IconShieldLock size={36} aria-hidden />
            <Title order={1} size="h3">
              Sign in to Custos
            </Title>
            {safeNext(search.next) && search.next !== '/' && (
              <Text size="sm" c="dimmed">
                Sign in to continue where you were.
              </Text>
            )}
          </Stack>
          <form onSubmit={form.onSubmit((values) => signIn.mutate(values))} noValidate>
            <Stack>
              <TextInput
                label="Username"
                autoComplete="username"
                autoFocus
                required
                {...form.getInputProps('username')}
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                required
                {...form.getInputProps('password')}
              />
              {failure && (
                <Alert color="red" role="alert" title="Not signed in">
                  {failure}
                </Alert>
              )}
              <Button type="submit" loading={signIn.isPending} fullWidth>
                Sign in
              </Button>
            </Stack>
          </form>
          {methods.data?.oidc && (
            <>
              <Divider label="or" labelPosition="center" />
              <Button component="a" href="/v1/auth/oidc/login" variant="default" fullWidth>
                Sign in with your company account
              </Button>
            </>
          )}
          <Text size="xs" c="dimmed" ta="center">
            Every sign-in is recorded. <Anchor href="/docs">API reference</Anchor>
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}
