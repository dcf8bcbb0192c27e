import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CustosError } from '../core/errors.js';
import { type ApiKeys, scopeAllows } from '../identity/apikeys.js';
import { type Permission, type Role, rolesAllow } from '../identity/roles.js';
import type { Sessions } from '../identity/sessions.js';

/** Who is calling: a console user with a session, or a platform service with an API key. */
export type Principal =
  | {
      kind: 'user';
      id: string;
      username: string;
      roles: Role[];
      sessionId: string;
      /** Signed in with a generated password: only their own session and password change. */
      passwordChangeRequired: boolean;
    }
  | { kind: 'apikey'; id: string; name: string; roles: Role[]; scopes: string[] };

/**
 * Every route declares who may call it; a route without a declaration refuses to register.
 * `people: true` keeps a route to console users: access requests, approvals and grant
 * revocations are acts of named people, never of an API key.
 */
export type Access = { public: true } | { permission: Permission; people?: true };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const sessionCookie = 'custos_session';
export const csrfCookie = 'custos_csrf';
export const csrfHeader = 'x-csrf-token';

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface DeclaredRoute {
  method: string;
  url: string;
  access: Access;
  /** The route's operation in the OpenAPI document; none for undocumented routes. */
  operationId?: string;
}

/** The principal of an authenticated route; the guard guarantees it is there. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new CustosError('auth.required');
  return request.principal;
}

async function authenticate(
  request: FastifyRequest,
  deps: { sessions: Pick<Sessions, 'authenticate' | 'csrfMatches'>; apiKeys: Pick<ApiKeys, 'authenticate'> },
): Promise<Principal | undefined> {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer (\S{1,200})$/.exec(authorization);
    if (!match) throw new CustosError('auth.invalid_credentials');
    const key = await deps.apiKeys.authenticate(match[1] as string);
    return { kind: 'apikey', id: key.id, name: key.name, roles: key.roles, scopes: key.scopes };
  }
  const token = request.cookies[sessionCookie];
  if (!token) return undefined;
  const { session, user } = await deps.sessions.authenticate(token);
  // A cookie rides along with any request the browser makes, so state changes must also
  // prove they came from our own page by echoing the CSRF token bound to this session.
  if (unsafeMethods.has(request.method)) {
    const presented = request.headers[csrfHeader];
    if (!deps.sessions.csrfMatches(session, typeof presented === 'string' ? presented : undefined)) {
      throw new CustosError('auth.csrf_failed');
    }
  }
  return {
    kind: 'user',
    id: user.id,
    username: user.username,
    roles: user.roles,
    sessionId: session.id,
    passwordChangeRequired: user.passwordChangeRequired,
  };
}

function authorize(access: Access, principal: Principal | undefined): void {
  if ('public' in access) return;
  if (!principal) throw new CustosError('auth.required');
  // A printed password is for one thing only: choosing a real one (or signing out).
  if (principal.kind === 'user' && principal.passwordChangeRequired && access.permission !== 'session.self') {
    throw new CustosError('auth.password_change_required');
  }
  const allowed =
    rolesAllow(principal.roles, access.permission) &&
    (principal.kind === 'user' || (!access.people && scopeAllows(principal.scopes, access.permission)));
  if (!allowed) {
    const message =
      access.people && principal.kind !== 'user' ? 'Only a person signed in may do this.' : undefined;
    throw new CustosError('auth.forbidden', message, { permission: access.permission });
  }
}

/**
 * The one declarative guard: authenticates every request before its body is read and checks the
 * route's declared permission. Routes registered without `config.access` fail at startup.
 */
export function registerGuard(
  app: FastifyInstance,
  deps: {
    sessions: Pick<Sessions, 'authenticate' | 'csrfMatches'>;
    apiKeys: Pick<ApiKeys, 'authenticate'>;
    /** Access for routes added by plugins under a prefix (API docs), keyed by prefix. */
    pluginAccess: Record<string, Access>;
  },
): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { access?: Access };
    if (!config.access) {
      const prefix = Object.keys(deps.pluginAccess).find((p) => route.url.startsWith(p));
      if (!prefix) throw new Error(`route ${route.method} ${route.url} declares no access rule`);
      route.config = { ...config, access: deps.pluginAccess[prefix] as Access };
    }
    const access = (route.config as { access: Access }).access;
    const operationId = (route.schema as { operationId?: string } | undefined)?.operationId;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD')
        routes.push({ method, url: route.url, access, ...(operationId ? { operationId } : {}) });
    }
  });
  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (!access) throw new CustosError('internal', 'route without access rule');
    if ('public' in access && request.headers.authorization === undefined) return;
    request.principal = await authenticate(request, deps);
    authorize(access, request.principal);
  });
  return routes;
}
