import type { QueryClient } from '@tanstack/react-query';
import { createRouter } from '@tanstack/react-router';
import { ApiError } from './api/client.js';
import { NotPermittedError } from './app/permissions.js';
import { appRoute, passwordRoute, rootRoute, signInRoute } from './app/routes.js';
import { homeRoutes } from './pages/home/routes.js';
import { ledgerRoutes } from './pages/ledger/routes.js';
import { NotFound } from './ui/NotFound.js';
import { ErrorState, NotPermitted } from './ui/states.js';

const routeTree = rootRoute.addChildren([
  signInRoute,
  passwordRoute,
  appRoute.addChildren([...homeRoutes, ...ledgerRoutes]),
]);

export function createConsoleRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: 'intent',
    // Loaders read through the query cache, which decides freshness.
    defaultPreloadStaleTime: 0,
    scrollRestoration: true,
    defaultNotFoundComponent: NotFound,
    defaultErrorComponent: ({ error, reset }) => {
      if (error instanceof NotPermittedError) return <NotPermitted permission={error.permission} />;
      if (error instanceof ApiError && error.status === 403) return <NotPermitted />;
      return <ErrorState error={error} onRetry={reset} />;
    },
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createConsoleRouter>;
  }
}
