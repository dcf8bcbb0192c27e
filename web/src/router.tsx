import type { QueryClient } from '@tanstack/react-query';
import { createRouter } from '@tanstack/react-router';
import { appRoute, passwordRoute, rootRoute, signInRoute } from './app/routes.js';
import { accessRoutes } from './pages/access/routes.js';
import { adminRoutes } from './pages/admin/routes.js';
import { atoRoutes } from './pages/ato/routes.js';
import { discoveryRoutes } from './pages/discovery/routes.js';
import { homeRoutes } from './pages/home/routes.js';
import { ledgerRoutes } from './pages/ledger/routes.js';
import { NotFound } from './ui/NotFound.js';
import { RouteError } from './ui/RouteError.js';

const routeTree = rootRoute.addChildren([
  signInRoute,
  passwordRoute,
  appRoute.addChildren([
    ...homeRoutes,
    ...accessRoutes,
    ...atoRoutes,
    ...discoveryRoutes,
    ...ledgerRoutes,
    ...adminRoutes,
  ]),
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
    defaultErrorComponent: RouteError,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createConsoleRouter>;
  }
}
