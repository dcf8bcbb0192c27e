import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addUser,
  createTestCustos,
  type SessionAuth,
  sessionHeaders,
  signIn,
  type TestCustos,
  testPassword,
} from '../support/app.js';
import { backends } from '../support/services.js';

describe.each(backends)('console sign-in and sessions on %s', (backend) => {
  let t: TestCustos;
  let admin: SessionAuth;

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'auth.accountFailureLimit': 3, 'auth.ipFailureLimit': 100 });
    await addUser(t.custos, 'alice', ['admin']);
    admin = await signIn(t.custos, 'alice');
  });
  afterEach(async () => {
    await t.dispose();
  });

  const inject = (options: InjectOptions) => t.custos.api.app.inject(options);

  it('sets an HTTP-only, SameSite=Strict session cookie and returns the CSRF token at sign-in', async () => {
    const response = await inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'ALICE', password: testPassword },
    });
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((c) => c.name === 'custos_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(response.json().csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(response.json().user).toMatchObject({ username: 'alice', roles: ['admin'] });
    expect(response.json().user).not.toHaveProperty('passwordHash');
    expect(response.body).not.toContain('argon2');
  });

  it('returns the signed-in user and ends the session on logout', async () => {
    const me = await inject({ method: 'GET', url: '/v1/auth/session', headers: sessionHeaders(admin) });
    expect(me.json().user.username).toBe('alice');
    const logout = await inject({ method: 'POST', url: '/v1/auth/logout', headers: sessionHeaders(admin) });
    expect(logout.statusCode).toBe(204);
    const after = await inject({ method: 'GET', url: '/v1/auth/session', headers: sessionHeaders(admin) });
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('auth.session_expired');
  });

  it('refuses a state change with a missing or forged CSRF token', async () => {
    const body = { name: 'svc' };
    const missing = await inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: { cookie: admin.cookie },
      payload: body,
    });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().code).toBe('auth.csrf_failed');
    const forged = await inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: {
        cookie: admin.cookie,
        'x-csrf-token': `${admin.csrf.startsWith('A') ? 'B' : 'A'}${admin.csrf.slice(1)}`,
      },
      payload: body,
    });
    expect(forged.statusCode).toBe(403);
    // Another session's valid token is no good either: tokens are bound to their session.
    const other = await signIn(t.custos, 'alice');
    const crossed = await inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: { cookie: admin.cookie, 'x-csrf-token': other.csrf },
      payload: body,
    });
    expect(crossed.statusCode).toBe(403);
    const good = await inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: sessionHeaders(admin),
      payload: body,
    });
    expect(good.statusCode).toBe(201);
  });

  it('expires a session after the idle timeout and after its absolute lifetime', async () => {
    t.clock.advance(61 * 60_000);
    const idle = await inject({ method: 'GET', url: '/v1/auth/session', headers: sessionHeaders(admin) });
    expect(idle.json().code).toBe('auth.session_expired');

    const fresh = await signIn(t.custos, 'alice');
    // Used every 50 minutes, it never idles out, but it still ends 12 hours after sign-in.
    for (let elapsed = 50; elapsed <= 15 * 50; elapsed += 50) {
      t.clock.advance(50 * 60_000);
      const response = await inject({
        method: 'GET',
        url: '/v1/auth/session',
        headers: sessionHeaders(fresh),
      });
      expect(response.statusCode, `${elapsed} minutes after sign-in`).toBe(elapsed < 12 * 60 ? 200 : 401);
    }
  });

  it('answers every kind of failed sign-in with the same code and then throttles the account', async () => {
    const unknown = await inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'mallory', password: 'x' },
    });
    expect(unknown.json().code).toBe('auth.invalid_credentials');
    for (let i = 0; i < 3; i++) {
      const wrong = await inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username: 'alice', password: 'nope' },
      });
      expect(wrong.json().code).toBe('auth.invalid_credentials');
    }
    const throttled = await inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'alice', password: testPassword },
    });
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json().code).toBe('auth.throttled');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance(15 * 60_000);
    const later = await inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'alice', password: testPassword },
    });
    expect(later.statusCode).toBe(200);
  });

  it('throttles a client IP that fails across many accounts, leaving other IPs alone', async () => {
    await t.dispose();
    t = await createTestCustos(backend, { 'auth.accountFailureLimit': 100, 'auth.ipFailureLimit': 4 });
    await addUser(t.custos, 'alice', ['admin']);
    const attempt = (username: string, password: string, remoteAddress: string) =>
      inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password }, remoteAddress });
    for (const name of ['u1', 'u2', 'u3', 'u4']) {
      expect((await attempt(name, 'guess', '203.0.113.9')).json().code).toBe('auth.invalid_credentials');
    }
    const blocked = await attempt('alice', testPassword, '203.0.113.9');
    expect(blocked.statusCode).toBe(429);
    const elsewhere = await attempt('alice', testPassword, '198.51.100.7');
    expect(elsewhere.statusCode).toBe(200);
  });

  it('lets a user change their own password, ending their other sessions', async () => {
    const other = await signIn(t.custos, 'alice');
    const wrong = await inject({
      method: 'POST',
      url: '/v1/auth/password',
      headers: sessionHeaders(admin),
      payload: { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' },
    });
    expect(wrong.json().code).toBe('auth.invalid_credentials');
    const changed = await inject({
      method: 'POST',
      url: '/v1/auth/password',
      headers: sessionHeaders(admin),
      payload: { currentPassword: testPassword, newPassword: 'a brand new passphrase' },
    });
    expect(changed.statusCode).toBe(204);
    const kept = await inject({ method: 'GET', url: '/v1/auth/session', headers: sessionHeaders(admin) });
    expect(kept.statusCode).toBe(200);
    const ended = await inject({ method: 'GET', url: '/v1/auth/session', headers: sessionHeaders(other) });
    expect(ended.json().code).toBe('auth.session_expired');
    await expect(signIn(t.custos, 'alice', 'a brand new passphrase')).resolves.toBeDefined();
  });

  it('refuses a password change from an API key with 403: only a person signed in has a password', async () => {
    const { token } = await t.custos.apiKeys.create({
      name: 'admin-key',
      roles: ['admin'],
      scopes: ['*'],
      createdBy: 'test',
    });
    const refused = await inject({
      method: 'POST',
      url: '/v1/auth/password',
      headers: { authorization: `Bearer ${token}` },
      payload: { currentPassword: testPassword, newPassword: 'a brand new passphrase' },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      code: 'auth.forbidden',
      message: 'Only a person signed in may do this.',
    });
    await expect(signIn(t.custos, 'alice')).resolves.toBeDefined();
  });

  it('refuses a common new password with 400 password.too_common and keeps the current one', async () => {
    const refused = await inject({
      method: 'POST',
      url: '/v1/auth/password',
      headers: sessionHeaders(admin),
      payload: { currentPassword: testPassword, newPassword: 'P@ssw0rd2024' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      code: 'password.too_common',
      message: expect.stringMatching(/^the password is too easy to guess: /),
    });
    expect(refused.body).not.toContain('P@ssw0rd2024');
    await expect(signIn(t.custos, 'alice')).resolves.toBeDefined();
  });

  it('refuses a common password for a new user with 400 password.too_common', async () => {
    const refused = await inject({
      method: 'POST',
      url: '/v1/users',
      headers: sessionHeaders(admin),
      payload: { username: 'bob', roles: ['engineer'], password: 'iloveyou2024!' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().code).toBe('password.too_common');
    expect(refused.body).not.toContain('iloveyou2024!');
    const users = await inject({ method: 'GET', url: '/v1/users', headers: sessionHeaders(admin) });
    expect(users.json().users.map((u: { username: string }) => u.username)).toEqual(['alice']);
  });

  it('ends a disabled user’s sessions and refuses their sign-in', async () => {
    const bob = await addUser(t.custos, 'bob', ['engineer']);
    const bobSession = await signIn(t.custos, 'bob');
    const disabled = await inject({
      method: 'POST',
      url: `/v1/users/${bob.id}/disable`,
      headers: sessionHeaders(admin),
    });
    expect(disabled.statusCode).toBe(200);
    const me = await inject({ method: 'GET', url: '/v1/auth/session', headers: sessionHeaders(bobSession) });
    expect(me.statusCode).toBe(401);
    await expect(signIn(t.custos, 'bob')).rejects.toThrow(/401/);
  });

  it('shows an API key token once and stores only its hash', async () => {
    const created = await inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: sessionHeaders(admin),
      payload: { name: 'ingest', scopes: ['metrics.read'] },
    });
    expect(created.statusCode).toBe(201);
    const { token, apiKey } = created.json();
    expect(token).toMatch(/^ck_[0-9A-Z]{26}_[A-Za-z0-9_-]{43}$/);
    const listed = await inject({ method: 'GET', url: '/v1/apikeys', headers: sessionHeaders(admin) });
    expect(listed.body).not.toContain(token.slice(-43));
    const row = await t.custos.store.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', apiKey.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(token.slice(-43));
    const used = await inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(used.statusCode).toBe(200);
    const revoked = await inject({
      method: 'POST',
      url: `/v1/apikeys/${apiKey.id}/revoke`,
      headers: sessionHeaders(admin),
    });
    expect(revoked.json().apiKey.revokedAt).not.toBeNull();
    const refused = await inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refused.statusCode).toBe(401);
  });
});
