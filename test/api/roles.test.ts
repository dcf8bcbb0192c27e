import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeclaredRoute } from '../../src/api/auth.js';
import { roleNames } from '../../src/core/config.js';
import { type Role, rolesAllow } from '../../src/identity/roles.js';
import { addUser, createTestCustos, type TestCustos } from '../support/app.js';

/** A concrete URL for a declared route: path parameters get well-formed ids of nothing. */
function concreteUrl(route: DeclaredRoute): string {
  return route.url
    .replace(
      ':id',
      route.url.startsWith('/v1/apikeys')
        ? 'key_01M80AB0VDK2A2E9N1XT3BFQ6E'
        : 'usr_01M80AB0VDK2A2E9N1XT3BFQ6E',
    )
    .replace('*', 'index.html');
}

function expectedAllowed(route: DeclaredRoute, roles: Role[], person: boolean): boolean {
  if ('public' in route.access) return true;
  return rolesAllow(roles, route.access.permission) && (person || !route.access.people);
}

describe('role enforcement on every route', () => {
  let t: TestCustos;
  // Headers per principal: a console session for each user role, an API key for every role.
  const principals: Array<{
    label: string;
    roles: Role[];
    person: boolean;
    headers: () => Promise<Record<string, string>>;
  }> = [];

  beforeAll(async () => {
    t = await createTestCustos('sqlite');
    const { custos } = t;
    for (const role of roleNames) {
      if (role !== 'service') {
        const user = await addUser(custos, `user-${role}`, [role]);
        principals.push({
          label: `user with role ${role}`,
          roles: [role],
          person: true,
          // A fresh session per request, so a logout call cannot spoil the next one.
          headers: async () => {
            const created = await custos.sessions.create(user.id, { ip: '127.0.0.1', userAgent: 'test' });
            return { cookie: `custos_session=${created.token}`, 'x-csrf-token': created.csrfToken };
          },
        });
      }
      // Every permission its role allows: this test is about roles; scopes have their own below.
      const { token } = await custos.apiKeys.create({
        name: `key-${role}`,
        roles: [role],
        scopes: ['*'],
        createdBy: 'test',
      });
      principals.push({
        label: `API key with role ${role}`,
        roles: [role],
        person: false,
        headers: async () => ({ authorization: `Bearer ${token}` }),
      });
    }
  });

  afterAll(async () => {
    await t.dispose();
  });

  it('declares an access rule on every route, and only docs, health, sign-in and the console’s files are public', () => {
    const routes = t.custos.api.routes;
    expect(routes.length).toBeGreaterThan(10);
    const publicUrls = routes.filter((r) => 'public' in r.access).map((r) => r.url);
    for (const url of publicUrls) {
      expect(url).toMatch(
        /^(\/|\/\*|\/assets\/\*|\/healthz|\/readyz|\/docs.*|\/openapi\.json|\/ledger\/(checkpoint|tile\/entries\/\*|tile\/\*|\*)|\/v1\/ledger|\/v1\/auth\/(login|methods|oidc\/login|oidc\/callback))$/,
      );
    }
  });

  it('answers 401 auth.required on every non-public route without credentials', async () => {
    for (const route of t.custos.api.routes.filter((r) => !('public' in r.access))) {
      const response = await t.custos.api.app.inject({
        method: route.method as 'GET',
        url: concreteUrl(route),
      });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(response.json().code).toBe('auth.required');
    }
  });

  it('allows and denies each role exactly as the routes declare', async () => {
    const checked: string[] = [];
    for (const route of t.custos.api.routes) {
      for (const principal of principals) {
        const response = await t.custos.api.app.inject({
          method: route.method as 'GET',
          url: concreteUrl(route),
          headers: await principal.headers(),
        });
        const where = `${principal.label}: ${route.method} ${route.url} -> ${response.statusCode} ${response.body.slice(0, 120)}`;
        if (expectedAllowed(route, principal.roles, principal.person)) {
          expect([401, 403], where).not.toContain(response.statusCode);
        } else {
          expect(response.statusCode, where).toBe(403);
          expect(response.json().code, where).toBe('auth.forbidden');
        }
        expect(response.statusCode, where).toBeLessThan(500);
        checked.push(where);
      }
    }
    expect(checked.length).toBe(t.custos.api.routes.length * principals.length);
  });

  it('limits an API key to its scopes even when its role allows more', async () => {
    const { token } = await t.custos.apiKeys.create({
      name: 'scoped-admin',
      roles: ['admin'],
      scopes: ['metrics.read'],
      createdBy: 'test',
    });
    const headers = { authorization: `Bearer ${token}` };
    const metrics = await t.custos.api.app.inject({ method: 'GET', url: '/metrics', headers });
    expect(metrics.statusCode).toBe(200);
    const users = await t.custos.api.app.inject({ method: 'GET', url: '/v1/users', headers });
    expect(users.statusCode).toBe(403);
    expect(users.json()).toMatchObject({ code: 'auth.forbidden', details: { permission: 'users.read' } });
  });

  it('splits service keys by purpose: by default the check and the catalog, nothing that rewrites the registries', async () => {
    const { apiKey, token } = await t.custos.apiKeys.create({
      name: 'support-tool',
      roles: ['service'],
      createdBy: 'test',
    });
    expect(apiKey.scopes.sort()).toEqual(['access.catalog.read', 'access.check']);
    const headers = { authorization: `Bearer ${token}` };
    const call = (method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) =>
      t.custos.api.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    expect((await call('GET', '/v1/access/catalog')).statusCode).toBe(200);
    const check = await call('POST', '/v1/access/check', {
      actor: 'usr_01M80AB0VDK2A2E9N1XT3BFQ6E',
      subject: 'user-1',
      fields: ['identity.phone'],
      operation: 'read',
    });
    expect(check.statusCode).toBe(200);
    for (const [method, url, payload, permission] of [
      [
        'PUT',
        '/v1/access/tickets/SUP-1',
        { title: 't', status: 'open', assigneeId: null, subjects: [] },
        'access.tickets.write',
      ],
      ['PUT', '/v1/access/employees/usr_01M80AB0VDK2A2E9N1XT3BFQ6E', { team: 'x' }, 'access.employees.write'],
      ['PUT', '/v1/access/protected-subjects/user-1', { category: 'journalist' }, 'access.protected.write'],
      ['GET', '/v1/transparency/subjects/user-1', undefined, 'transparency.read'],
    ] as const) {
      const response = await call(method, url, payload);
      expect(response.statusCode, url).toBe(403);
      expect(response.json()).toMatchObject({ code: 'auth.forbidden', details: { permission } });
    }
    // A directory sync gets the scope it needs, and only that.
    const sync = await t.custos.apiKeys.create({
      name: 'directory-sync',
      roles: ['service'],
      scopes: ['access.employees.write'],
      createdBy: 'test',
    });
    const synced = await t.custos.api.app.inject({
      method: 'PUT',
      url: '/v1/access/employees/usr_01M80AB0VDK2A2E9N1XT3BFQ6E',
      headers: { authorization: `Bearer ${sync.token}` },
      payload: { team: 'x' },
    });
    expect(synced.statusCode).toBe(200);
    // Lifetimes are bounded too.
    await expect(
      t.custos.apiKeys.create({
        name: 'forever',
        createdBy: 'test',
        expiresAt: t.clock.now() + 20 * 366 * 86_400_000,
      }),
    ).rejects.toMatchObject({ code: 'request.invalid' });
  });
});
