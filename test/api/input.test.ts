import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addUser,
  createTestCustos,
  type SessionAuth,
  sessionHeaders,
  signIn,
  type TestCustos,
} from '../support/app.js';

/** Error bodies are always {code, message, requestId} and never carry a stack trace. */
function expectCleanError(body: string, status: number): void {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  expect(Object.keys(parsed).sort()).toEqual(
    expect.arrayContaining(['code', 'message', 'requestId'].filter((k) => k in parsed || status >= 400)),
  );
  expect(typeof parsed.code).toBe('string');
  expect(typeof parsed.requestId).toBe('string');
  expect(body).not.toMatch(/\bat .+\.(js|ts):\d+/);
  expect(body).not.toContain('stack');
}

const sqlMetacharacters = [
  "' OR '1'='1",
  "admin'--",
  '"; DROP TABLE users; --',
  "'); DELETE FROM sessions; --",
  '\\x00\\x1a',
  '%_%',
  "Robert'); DROP TABLE api_keys;--",
];

describe('bad input gets a stable 4xx, never a 5xx', () => {
  let t: TestCustos;
  let admin: SessionAuth;

  beforeAll(async () => {
    t = await createTestCustos('sqlite', {
      'auth.ipFailureLimit': 100_000,
      'auth.accountFailureLimit': 1000,
    });
    await addUser(t.custos, 'root', ['admin']);
    admin = await signIn(t.custos, 'root');
  });
  afterAll(async () => {
    await t.dispose();
  });

  const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
    t.custos.api.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { 'content-type': 'application/json', ...sessionHeaders(admin), ...headers },
    });

  it('answers malformed JSON with request.malformed', async () => {
    for (const payload of ['{', '{"username": }', 'nul', '[1,2', '\u0000']) {
      const response = await post('/v1/users', payload);
      expect(response.statusCode, payload).toBe(400);
      expect(response.json().code).toBe('request.malformed');
      expectCleanError(response.body, 400);
    }
  });

  it('answers wrong types, unknown fields and missing fields with request.invalid naming the field', async () => {
    const cases = [
      { username: 42, roles: ['engineer'] },
      { username: 'bob', roles: 'engineer' },
      { username: 'bob', roles: ['engineer'], isAdmin: true },
      { roles: ['engineer'] },
      { username: 'bob', roles: ['superuser'] },
      { username: 'bob', roles: ['service'], scopes: ['*'] },
    ];
    for (const body of cases) {
      const response = await post('/v1/users', JSON.stringify(body));
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().code).toBe('request.invalid');
      expect(response.json().details.issues.length).toBeGreaterThan(0);
    }
  });

  it('answers a body over 1 MiB with request.too_large', async () => {
    const payload = JSON.stringify({ username: 'x'.repeat(1024 * 1024), roles: ['engineer'] });
    const response = await post('/v1/users', payload);
    expect(response.statusCode).toBe(413);
    expect(response.json().code).toBe('request.too_large');
  });

  it('answers a form or text body with request.unsupported_media_type', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const response = await post('/v1/auth/login', 'username=a&password=b', { 'content-type': type });
      expect(response.statusCode, type).toBe(415);
      expect(response.json().code).toBe('request.unsupported_media_type');
    }
  });

  it('answers malformed ids, credentials and tokens with 4xx codes', async () => {
    const badId = await t.custos.api.app.inject({
      method: 'GET',
      url: "/v1/users/usr_' OR 1=1--",
      headers: sessionHeaders(admin),
    });
    expect(badId.statusCode).toBe(400);
    const unknownId = await t.custos.api.app.inject({
      method: 'GET',
      url: '/v1/users/usr_01M80AB0VDK2A2E9N1XT3BFQ6E',
      headers: sessionHeaders(admin),
    });
    expect(unknownId.json().code).toBe('resource.not_found');
    for (const authorization of [
      'Bearer',
      'Basic YWRtaW46YWRtaW4=',
      'Bearer ck_short',
      `Bearer ck_${'A'.repeat(26)}_${'a'.repeat(43)}`,
      `Bearer ${'x'.repeat(5000)}`,
    ]) {
      const response = await t.custos.api.app.inject({
        method: 'GET',
        url: '/v1/users',
        headers: { authorization },
      });
      expect(response.statusCode, authorization.slice(0, 40)).toBe(401);
      expect(response.json().code).toBe('auth.invalid_credentials');
    }
    for (const cookie of ['custos_session=', 'custos_session=forged', `custos_session=${'z'.repeat(4000)}`]) {
      const response = await t.custos.api.app.inject({
        method: 'GET',
        url: '/v1/users',
        headers: { cookie },
      });
      expect(response.statusCode, cookie.slice(0, 40)).toBe(401);
    }
  });

  it('stores SQL metacharacters as plain data in every string field', async () => {
    for (const text of sqlMetacharacters) {
      const login = await t.custos.api.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username: text, password: text },
      });
      expect([400, 401]).toContain(login.statusCode);
      const user = await post(
        '/v1/users',
        JSON.stringify({ username: text, displayName: text, roles: ['engineer'] }),
      );
      expect(user.statusCode).toBe(400);
      const key = await post('/v1/apikeys', JSON.stringify({ name: text }));
      expect(key.statusCode).toBe(201);
      expect(key.json().apiKey.name).toBe(text);
    }
    const named = await post(
      '/v1/users',
      JSON.stringify({ username: 'quoted', displayName: sqlMetacharacters[2], roles: ['engineer'] }),
    );
    expect(named.json().user.displayName).toBe(sqlMetacharacters[2]);
    // The tables the payloads tried to drop are intact.
    const users = await t.custos.store.db.selectFrom('users').select('id').execute();
    const sessions = await t.custos.store.db.selectFrom('sessions').select('id').execute();
    expect(users.length).toBeGreaterThanOrEqual(2);
    expect(sessions.length).toBeGreaterThanOrEqual(1);
  });

  it('never answers a 5xx to random bodies on the auth and user routes (property)', async () => {
    const routes = [
      '/v1/auth/login',
      '/v1/auth/password',
      '/v1/users',
      '/v1/apikeys',
      '/v1/users/usr_01M80AB0VDK2A2E9N1XT3BFQ6E/disable',
    ];
    const sqlish = fc.constantFrom(...sqlMetacharacters);
    const field = fc.oneof(
      fc.string({ maxLength: 80 }),
      sqlish,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 4 }),
    );
    const plausible = fc.record(
      {
        username: field,
        password: field,
        currentPassword: field,
        newPassword: field,
        roles: fc.oneof(
          fc.array(fc.constantFrom('admin', 'engineer', 'auditor', 'service', 'root'), { maxLength: 3 }),
          field,
        ),
        name: field,
        scopes: fc.oneof(
          fc.array(fc.constantFrom('*', 'metrics.read', 'users.write', 'nope'), { maxLength: 3 }),
          field,
        ),
        expiresAt: fc.oneof(fc.integer(), fc.double(), field),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      plausible.map((value) => JSON.stringify(value)),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, fc.boolean(), async (url, payload, withSession) => {
        const response = await t.custos.api.app.inject({
          method: 'POST',
          url,
          payload,
          headers: { 'content-type': 'application/json', ...(withSession ? sessionHeaders(admin) : {}) },
        });
        expect(response.statusCode, `${url} ${payload.slice(0, 200)} -> ${response.body}`).toBeLessThan(500);
        if (response.statusCode >= 400) expectCleanError(response.body, response.statusCode);
      }),
      { numRuns: 400 },
    );
    // The admin's session survives the barrage (a random body never signs it out or disables it).
    const me = await t.custos.api.app.inject({
      method: 'GET',
      url: '/v1/auth/session',
      headers: sessionHeaders(admin),
    });
    expect(me.statusCode).toBe(200);
  });

  it('never echoes an internal error and labels every response with a request id', async () => {
    const response = await t.custos.api.app.inject({ method: 'GET', url: '/nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('route.not_found');
    expect(response.headers['x-request-id']).toBe(response.json().requestId);
    const traced = await t.custos.api.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'trace-1234567' },
    });
    expect(traced.headers['x-request-id']).toBe('trace-1234567');
    const hostile = await t.custos.api.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': '<script>' },
    });
    expect(hostile.headers['x-request-id']).toMatch(/^rid_/);
  });

  it('sends security headers', async () => {
    const response = await t.custos.api.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('sends security headers on refusals too', async () => {
    const response = await t.custos.api.app.inject({ method: 'GET', url: '/v1/access/catalog' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});
