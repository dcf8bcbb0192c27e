import './zod-setup.js';
import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { setNonce } from 'get-nonce';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, onSessionEvent } from './api/client.js';
import { cssVariables, styleNonce, theme } from './app/theme.js';
import { createConsoleRouter } from './router.js';

// Mantine's scroll lock (react-remove-scroll) writes a <style> tag of its own; it takes the
// page's nonce from here, like Mantine's own style tags do from getStyleNonce.
setNonce(styleNonce());

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A read is retried once, unless the server refused it (a 4xx will not change by asking again).
      retry: (failures, error) =>
        failures < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      staleTime: 15_000,
      refetchOnWindowFocus: true,
    },
    // Writes are never retried: the person sees the failure and decides.
    mutations: { retry: false },
  },
});
const router = createConsoleRouter(queryClient);

// A session that ended (expired, revoked, signed out elsewhere) takes the person to sign in and
// back to this page after; nothing cached from it stays in memory.
onSessionEvent((event) => {
  const { pathname, search } = router.state.location;
  const here = `${pathname}${typeof search === 'object' && Object.keys(search).length ? router.state.location.searchStr : ''}`;
  if (event === 'expired') {
    if (pathname === '/sign-in') return;
    queryClient.clear();
    void router.navigate({ to: '/sign-in', search: { next: here } });
  } else if (pathname !== '/password') {
    void queryClient.invalidateQueries({ queryKey: ['session'] });
    void router.navigate({ to: '/password', search: { next: here } });
  }
});

const root = document.getElementById('root');
if (!root) throw new Error('no #root element');
createRoot(root).render(
  <StrictMode>
    <MantineProvider
      theme={theme}
      defaultColorScheme="auto"
      getStyleNonce={styleNonce}
      cssVariablesResolver={cssVariables}
    >
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
