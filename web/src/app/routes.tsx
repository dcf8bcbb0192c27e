import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, Outlet, redirect } from '@tanstack/react-router';
import { z } from 'zod';
import { ChangePasswordPage } from './ChangePassword.js';
import { Shell } from './Shell.js';
import { SignInPage } from './SignIn.js';
import { safeNext, sessionQuery } from './session.js';

export interface RouterContext {
  queryClient: QueryClient;
}

export const rootRoute = createRootRouteWithContext<RouterContext>()({ component: Outlet });

/** `?next=` carries where a person was when asked to sign in; only paths of this console count. */
const nextSearch = z.object({ next: z.string().max(2048).optional().catch(undefined) });

export const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  validateSearch: nextSearch,
  beforeLoad: async ({ context, search }) => {
    const session = await context.queryClient.ensureQueryData(sessionQuery);
    if (session && !session.user.passwordChangeRequired)
      throw redirect({ href: safeNext(search.next) ?? '/' });
  },
  component: SignInPage,
});

export const passwordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/password',
  validateSearch: nextSearch,
  beforeLoad: async ({ context, location }) => {
    const session = await context.queryClient.ensureQueryData(sessionQuery);
    if (!session) throw redirect({ to: '/sign-in', search: { next: location.href } });
  },
  component: ChangePasswordPage,
});

/**
 * Every page behind sign-in hangs under this layout route: no session sends the person to sign
 * in and back; a generated password must be replaced first.
 */
export const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  beforeLoad: async ({ context, location }) => {
    const session = await context.queryClient.ensureQueryData(sessionQuery);
    if (!session) throw redirect({ to: '/sign-in', search: { next: location.href } });
    if (session.user.passwordChangeRequired)
      throw redirect({ to: '/password', search: { next: location.href } });
  },
  component: Shell,
});
