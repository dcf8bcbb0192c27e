import { Container } from '@mantine/core';
import { type ErrorComponentProps, useRouter } from '@tanstack/react-router';
import { ApiError } from '../api/client.js';
import { ErrorState, NotPermitted } from './states.js';

/** What a route shows when it cannot load: "not permitted", or the failure with Retry. */
export function RouteError({ error, reset }: ErrorComponentProps) {
  const router = useRouter();
  if (error instanceof ApiError && error.status === 403) return <NotPermitted />;
  return (
    <Container size="md" py="xl" component="main">
      <ErrorState
        error={error}
        onRetry={() => {
          reset();
          // Runs the routes' loaders and guards again, not only the component.
          void router.invalidate();
        }}
      />
    </Container>
  );
}
