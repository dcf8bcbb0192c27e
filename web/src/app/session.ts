import { type QueryClient, queryOptions, useQuery } from '@tanstack/react-query';
import { ApiError, api, unwrap } from '../api/client.js';
import { allows, NotPermittedError, type Permission, type Session } from './permissions.js';

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

/** A route's `beforeLoad` that refuses, with the "not permitted" view, people without `permission`. */
export function requirePermission(permission: Permission) {
  return async ({ context }: { context: { queryClient: QueryClient } }) => {
    const session = await context.queryClient.ensureQueryData(sessionQuery);
    if (!allows(session, permission)) throw new NotPermittedError(permission);
  };
}

/** A path inside this console to return to after sign-in; anything else (another origin) is dropped. */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\'))
    return undefined;
  if (next.startsWith('/sign-in') || next.startsWith('/password')) return undefined;
  return next;
}
