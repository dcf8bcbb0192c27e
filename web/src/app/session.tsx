import { queryOptions, useQuery } from '@tanstack/react-query';
import type { RouteComponent } from '@tanstack/react-router';
import { ApiError, api, unwrap } from '../api/client.js';
import { NotPermitted } from '../ui/states.js';
import { allows, type Permission, type Session } from './permissions.js';

/** The signed-in session, or null when nobody is signed in. Never retried: a 401 is an answer. */
export const sessionQuery = queryOptions({
  queryKey: ['session'],
  queryFn: async (): Promise<Session | null> => {
    try {
      return await unwrap(api.GET('/v1/auth/session'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },
  retry: false,
  staleTime: 60_000,
});

export function useSession(): Session | null {
  return useQuery(sessionQuery).data ?? null;
}

/**
 * The page, or "Not permitted" in its place for people whose roles allow none of `permissions`.
 * Decided while rendering, not by throwing from `beforeLoad`: the router reports a thrown guard
 * as an error on the console, and a refusal is an expected answer. The page's code is not even
 * loaded for them; the server refuses its API calls regardless.
 */
export function permittedPage(permissions: Permission | Permission[], Page: RouteComponent): RouteComponent {
  const anyOf = Array.isArray(permissions) ? permissions : [permissions];
  return function PermittedPage() {
    const session = useSession();
    return anyOf.some((permission) => allows(session, permission)) ? (
      <Page />
    ) : (
      <NotPermitted permission={anyOf[0]} />
    );
  };
}

/** A path inside this console to return to after sign-in; anything else (another origin) is dropped. */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\'))
    return undefined;
  if (next.startsWith('/sign-in') || next.startsWith('/password')) return undefined;
  return next;
}
