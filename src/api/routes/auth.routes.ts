import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CustosError } from '../../core/errors.js';
import type { Login } from '../../identity/login.js';
import type { Oidc } from '../../identity/oidc.js';
import { type Permission, permissions, type Role, rolesAllow } from '../../identity/roles.js';
import type { NewSession, Sessions } from '../../identity/sessions.js';
import type { Users } from '../../identity/users.js';
import { csrfCookie, principalOf, sessionCookie } from '../auth.js';
import { errorResponses } from '../errors.js';
import { password, username, userSchema } from '../schemas.js';
import type { App } from '../types.js';

export interface CookieSettings {
  mode: 'auto' | 'always' | 'never';
  ttlMs: number;
}

const permissionList = z
  .array(z.enum(permissions as [Permission, ...Permission[]]))
  .describe('What the signed-in user’s roles allow; the console shows only what the server would allow.');
const sessionResponse = z.object({
  user: userSchema,
  permissions: permissionList,
  csrfToken: z.string(),
  expiresAt: z.number(),
});

/** Every permission the roles grant, in the order the role table lists them. */
function permissionsOf(roles: readonly Role[]): Permission[] {
  return permissions.filter((permission) => rolesAllow(roles, permission));
}

const callbackValue = z.string().max(4096);
/**
 * What providers send back to the redirect URI (RFC 6749 4.1.2 and 4.1.2.1, RFC 9207 `iss`, OIDC
 * Session Management `session_state`). Providers add others (Google: `scope`, `authuser`, `hd`,
 * `prompt`), so unknown parameters are accepted too, as strings of bounded length; the OIDC client
 * reads the whole callback URL.
 */
const oidcCallbackQuery = z
  .object({
    code: callbackValue.optional().describe('The authorization code.'),
    state: callbackValue.optional().describe('The state Custos sent; one use only.'),
    iss: callbackValue.optional().describe('The issuer (RFC 9207), when the provider sends it.'),
    error: callbackValue.optional().describe('Set when the provider refused or failed the sign-in.'),
    error_description: callbackValue.optional(),
    error_uri: callbackValue.optional(),
    session_state: callbackValue.optional(),
  })
  .catchall(callbackValue);

function secure(request: FastifyRequest, settings: CookieSettings): boolean {
  return settings.mode === 'always' || (settings.mode === 'auto' && request.protocol === 'https');
}

function setSessionCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  created: NewSession,
  settings: CookieSettings,
) {
  const common = {
    path: '/',
    sameSite: 'strict' as const,
    secure: secure(request, settings),
    maxAge: settings.ttlMs / 1000,
  };
  reply.setCookie(sessionCookie, created.token, { ...common, httpOnly: true });
  // Readable by the console so it can echo the token after a reload; the server still checks it
  // against the hash bound to the session, not against this cookie.
  reply.setCookie(csrfCookie, created.csrfToken, { ...common, httpOnly: false });
}

/** Console sign-in and sign-out, the caller's own session, password change and OIDC. */
export function authRoutes(
  app: App,
  deps: {
    login: Login;
    sessions: Pick<Sessions, 'revoke'>;
    users: Pick<Users, 'get'>;
    oidc: Oidc | undefined;
    cookies: CookieSettings;
  },
): void {
  app.post(
    '/v1/auth/login',
    {
      config: { access: { public: true } },
      schema: {
        operationId: 'signIn',
        tags: ['auth'],
        summary: 'Sign in with username and password; sets the session cookie.',
        body: z.object({ username, password }).strict(),
        response: { 200: sessionResponse, ...errorResponses(400, 401, 429, 503) },
      },
    },
    async (request, reply) => {
      const created = await deps.login.login({
        username: request.body.username,
        password: request.body.password,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? '',
      });
      setSessionCookies(request, reply, created, deps.cookies);
      return {
        user: created.user,
        permissions: permissionsOf(created.user.roles),
        csrfToken: created.csrfToken,
        expiresAt: created.session.expires_at,
      };
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      config: { access: { permission: 'session.self' } },
      schema: {
        operationId: 'signOut',
        tags: ['auth'],
        summary: 'End the current session.',
        response: { 204: z.null(), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind === 'user') await deps.sessions.revoke(principal.sessionId);
      reply.clearCookie(sessionCookie, { path: '/' }).clearCookie(csrfCookie, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/auth/session',
    {
      config: { access: { permission: 'session.self' } },
      schema: {
        operationId: 'getSession',
        tags: ['auth'],
        summary: 'The signed-in user.',
        response: {
          200: z.object({ user: userSchema, permissions: permissionList }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => {
      const user = await deps.users.get(principalOf(request).id);
      return { user, permissions: permissionsOf(user.roles) };
    },
  );

  app.get(
    '/v1/auth/methods',
    {
      config: { access: { public: true } },
      schema: {
        operationId: 'getSignInMethods',
        tags: ['auth'],
        summary: 'How people may sign in here: always a password, OIDC when configured.',
        response: { 200: z.object({ password: z.literal(true), oidc: z.boolean() }), ...errorResponses(401) },
      },
    },
    async () => ({ password: true as const, oidc: deps.oidc !== undefined }),
  );

  app.post(
    '/v1/auth/password',
    {
      // An API key has no password to change: this is for people signed in to the console.
      config: { access: { permission: 'session.self', people: true } },
      schema: {
        operationId: 'changePassword',
        tags: ['auth'],
        summary:
          'Change your own password; throttled like sign-in, refuses common passwords, ends your other sessions.',
        body: z.object({ currentPassword: password, newPassword: password }).strict(),
        response: { 204: z.null(), ...errorResponses(400, 401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await deps.login.changePassword({
        userId: principal.id,
        currentPassword: request.body.currentPassword,
        newPassword: request.body.newPassword,
        ip: request.ip,
        keepSessionId: principal.kind === 'user' ? principal.sessionId : undefined,
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/auth/oidc/login',
    {
      config: { access: { public: true } },
      schema: {
        operationId: 'startOidcSignIn',
        tags: ['auth'],
        summary: 'Start OIDC sign-in (redirects to the identity provider).',
        response: {
          302: z.null().describe('To the identity provider’s sign-in page (`location` header).'),
          ...errorResponses(401, 404),
        },
      },
    },
    async (_request, reply) => {
      if (!deps.oidc) throw new CustosError('auth.oidc_disabled');
      return reply.redirect(await deps.oidc.start());
    },
  );

  app.get(
    '/v1/auth/oidc/callback',
    {
      config: { access: { public: true } },
      schema: {
        operationId: 'completeOidcSignIn',
        tags: ['auth'],
        summary: 'OIDC redirect target: completes sign-in and redirects to the console.',
        querystring: oidcCallbackQuery,
        response: {
          302: z.null().describe('Signed in: to the console, with the session cookie set.'),
          ...errorResponses(400, 401, 404, 503),
        },
      },
    },
    async (request, reply) => {
      if (!deps.oidc) throw new CustosError('auth.oidc_disabled');
      const created = await deps.oidc.complete(new URL(request.url, deps.oidc.redirectUri), {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? '',
      });
      setSessionCookies(request, reply, created, deps.cookies);
      return reply.redirect('/');
    },
  );
}
