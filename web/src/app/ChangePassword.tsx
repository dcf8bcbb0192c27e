import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useEffect } from 'react';
import { api, unwrap } from '../api/client.js';
import { safeNext, sessionQuery, useSession } from './session.js';

/**
 * Choose a new password. Required after signing in with a generated one (the first admin's
 * printed password opens this page and nothing else); also reachable from the user menu.
 */
export function ChangePasswordPage() {
  const search = useSearch({ from: '/password' });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const session = useSession();
  const required = session?.user.passwordChangeRequired ?? false;
  useEffect(() => {
    document.title = 'Change password · Custos';
  }, []);
  const form = useForm({
    initialValues: { currentPassword: '', newPassword: '', confirm: '' },
    validate: {
      currentPassword: (v) => (v ? null : 'Enter the password you signed in with'),
      newPassword: (v) => (v.length >= 12 ? null : 'Use at least 12 characters'),
      confirm: (v, values) => (v === values.newPassword ? null : 'The two new passwords differ'),
    },
  });
  const change = useMutation({
    mutationFn: (values: { currentPassword: string; newPassword: string }) =>
      unwrap(api.POST('/v1/auth/password', { body: values })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: sessionQuery.queryKey });
      await navigate({ href: safeNext(search.next) ?? '/', replace: true });
    },
  });
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={440} component="main">
        <form
          onSubmit={form.onSubmit(({ currentPassword, newPassword }) =>
            change.mutate({ currentPassword, newPassword }),
          )}
          noValidate
        >
          <Stack>
            <Title order={1} size="h3">
              {required ? 'Choose your own password' : 'Change your password'}
            </Title>
            {required && (
              <Text size="sm">
                The password you signed in with was generated and printed once. Choose one of your own to
                continue; the printed one stops working.
              </Text>
            )}
            <PasswordInput
              label={required ? 'Printed password' : 'Current password'}
              autoComplete="current-password"
              required
              {...form.getInputProps('currentPassword')}
            />
            <PasswordInput
              label="New password"
              description="At least 12 characters; common and breached passwords are refused."
              autoComplete="new-password"
              required
              {...form.getInputProps('newPassword')}
            />
            <PasswordInput
              label="New password again"
              autoComplete="new-password"
              required
              {...form.getInputProps('confirm')}
            />
            {change.error && (
              <Alert color="red" role="alert" title="Password not changed">
                {change.error.message}
              </Alert>
            )}
            <Button type="submit" loading={change.isPending}>
              Save password
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
