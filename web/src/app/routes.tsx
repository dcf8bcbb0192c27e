import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  lazyRouteComponent,
  Outlet,
  redirect,
} from '@tanstack/react-router';
// zod/mini, not zod: search params are parsed on every page, so their parser sits in the first
// download, and the full zod is several times larger (see test/web/bundle.test.ts).
import * as z from 'zod/mini';
import { safeNext, sessionQuery } from './session.js';

export interface RouterContext {
  queryClient: QueryClient;
}

export const rootRoute = createRootRouteWithContext<RouterContext>()({ component: Outlet });

/** `?next=` carries where a person was when asked to sign in; only paths of this console count. */
const nextSearch = z.object({ next: z.catch(z.optional(z.string().check(z.maxLength(2048))), undefined) });

export const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  validateSearch: nextSearch,
  beforeLoad: async ({ context, search }) => {
    const session = await context.queryClient.ensureQueryData(sessionQuery);
    if (session && !session.user.passwordChangeRequired)
      throw redirect({ href: safeNext(search.next) ?? '/' });
  },
  component: lazyRouteComponent(() => import('./SignIn.js'), 'SignInPage'),
});

export const passwordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/password',
  validateSearch: nextSearch,
  beforeLoad: async ({ context, location }) => {
    const session = await context.queryClient.ensureQueryData(sessionQuery);
    if (!session) throw redirect({ to: '/sign-in', search: { next: location.href } });
  },
  component: lazyRouteComponent(() => import('./ChangePassword.js'), 'ChangePasswordPage'),
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
  // Pages behind sign-in load the shell (navigation, menus) with them; sign-in does not need it.
  component: lazyRouteComponent(() => import('./Shell.js'), 'Shell'),
});
