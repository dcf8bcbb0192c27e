import { Alert, Button, Code, Group, Skeleton, Stack, Text, Title, VisuallyHidden } from '@mantine/core';
import { IconAlertTriangle, IconLock, IconRefresh } from '@tabler/icons-react';
import type { UseQueryResult } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { ApiError } from '../api/client.js';

/** Skeleton rows at once; after 10 s, says the server is slow and offers to try again. */
export function Loading({ rows = 4, onRetry }: { rows?: number; onRetry?: () => void }) {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSlow(true), 10_000);
    return () => clearTimeout(timer);
  }, []);
  return (
    <Stack gap="xs" aria-busy="true" aria-live="polite">
      <VisuallyHidden>Loading…</VisuallyHidden>
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <Skeleton key={i} height={28} radius="sm" />
      ))}
      {slow && (
        <Group>
          <Text c="dimmed">This is taking longer than it should.</Text>
          {onRetry && (
            <Button variant="light" size="xs" onClick={onRetry} leftSection={<IconRefresh size={14} />}>
              Retry
            </Button>
          )}
        </Group>
      )}
    </Stack>
  );
}

/** A failure in place of the content: what happened, its code and request id, and Retry. */
export function ErrorState({
  error,
  onRetry,
  title,
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  const apiError = error instanceof ApiError ? error : undefined;
  return (
    <Alert
      color="red"
      variant="light"
      role="alert"
      icon={<IconAlertTriangle />}
      title={title ?? 'This could not be loaded'}
    >
      <Stack gap="xs">
        <Text size="sm">{error instanceof Error ? error.message : 'Something went wrong.'}</Text>
        {apiError && (
          <Text size="xs" c="dimmed">
            Code <Code>{apiError.code}</Code>
            {apiError.requestId && (
              <>
                {' '}
                · request <Code>{apiError.requestId}</Code>
              </>
            )}
          </Text>
        )}
        {onRetry && (
          <Group>
            <Button
              size="xs"
              // White on red.8 is 5.4:1; red on white inside the light alert fell under 4.5:1.
              variant="filled"
              color="red.8"
              onClick={onRetry}
              leftSection={<IconRefresh size={14} />}
            >
              Retry
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

/** Nothing to show: says why, and offers the next step when there is one. */
export function EmptyState({
  title,
  children,
  action,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <Stack align="center" gap="xs" py="xl" ta="center">
      <Text fw={600}>{title}</Text>
      {children && (
        <Text c="dimmed" size="sm" maw={480}>
          {children}
        </Text>
      )}
      {action}
    </Stack>
  );
}

export function NotPermitted({ permission }: { permission?: string }) {
  return (
    <Stack align="center" gap="sm" py="xl" ta="center">
      <IconLock size={40} aria-hidden />
      <Title order={2}>Not permitted</Title>
      <Text c="dimmed" maw={480}>
        Your roles do not allow this page
        {permission ? (
          <>
            {' '}
            (it needs <Code>{permission}</Code>)
          </>
        ) : null}
        . If you need it, ask an administrator for the role.
      </Text>
    </Stack>
  );
}

/**
 * The three states of a query around its content: loading (skeleton), error (in place, with
 * Retry) and data. Data kept from before a failed refetch stays, marked as possibly stale.
 */
export function QueryView<T>({
  query,
  children,
  rows,
}: {
  query: UseQueryResult<T>;
  children: (data: T) => ReactNode;
  rows?: number;
}) {
  if (query.isPending) return <Loading rows={rows ?? 4} onRetry={() => void query.refetch()} />;
  if (query.isError && query.data === undefined)
    return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return (
    <>
      {query.isError && (
        <Alert color="yellow" variant="light" mb="sm" role="status">
          Showing what was loaded before: the latest refresh failed ({query.error.message}).
        </Alert>
      )}
      {children(query.data as T)}
    </>
  );
}
