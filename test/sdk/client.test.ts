import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CustosApiError, type CustosClient, createClient, isCustosApiError } from '../../src/sdk/index.js';
import { createTestCustos, type TestCustos } from '../support/app.js';

/** Resolves to the CustosApiError a call rejects with; fails the test if it resolves. */
async function failure(promise: Promise<unknown>): Promise<CustosApiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CustosApiError);
  return error as CustosApiError;
}

describe('SDK against a real Custos over HTTP', () => {
  let t: TestCustos;
  let baseUrl: string;
  let adminToken: string;
  let admin: CustosClient;
  const missingUser = `usr_${'0'.repeat(26)}`;
  const missingKey = `key_${'0'.repeat(26)}`;

  beforeAll(async () => {
    t = await createTestCustos('sqlite');
    await t.custos.api.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.custos.api.app.server.address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
    ({ token: adminToken } = await t.custos.apiKeys.create({
      name: 'sdk-test',
      roles: ['admin'],
      createdBy: 'test',
    }));
    admin = createClient({ baseUrl, apiKey: adminToken });
  });

  afterAll(async () => {
    await t?.dispose();
  });

  it('reports liveness and readiness, with or without a key', async () => {
    expect(await admin.health()).toEqual({ status: 'ok' });
    expect(await admin.ready()).toEqual({ status: 'ready' });
    const anonymous = createClient({ baseUrl });
    expect(await anonymous.health()).toEqual({ status: 'ok' });
  });

  it('creates, gets, lists and disables users', async () => {
    const { user, generatedPassword } = await admin.users.create({
      username: 'sdk.alice',
      displayName: 'Alice',
      roles: ['analyst'],
      password: 'a long enough password',
    });
    expect(generatedPassword).toBeUndefined();
    expect(user).toMatchObject({ username: 'sdk.alice', displayName: 'Alice', roles: ['analyst'] });
    expect(user.id).toMatch(/^usr_/);
    expect(user.disabledAt).toBeNull();

    const generated = await admin.users.create({ username: 'sdk.bob', roles: ['engineer', 'approver'] });
    expect(generated.generatedPassword).toEqual(expect.any(String));

    expect(await admin.users.get(user.id)).toEqual(user);
    expect((await admin.users.list()).map((u) => u.username)).toEqual(
      expect.arrayContaining(['sdk.alice', 'sdk.bob']),
    );

    const disabled = await admin.users.disable(user.id);
    expect(disabled.id).toBe(user.id);
    expect(disabled.disabledAt).toEqual(expect.any(Number));
    // Disabling twice answers the same user rather than an error.
    expect((await admin.users.disable(user.id)).disabledAt).toBe(disabled.disabledAt);

    expect((await admin.users.list()).map((u) => u.id)).not.toContain(user.id);
    expect((await admin.users.list({ includeDisabled: true })).map((u) => u.id)).toContain(user.id);
  });

  it('creates, lists and revokes API keys, and a revoked key is refused', async () => {
    const { apiKey, token } = await admin.apiKeys.create({ name: 'sdk-ops', roles: ['admin'] });
    expect(token).toMatch(/^ck_/);
    expect(apiKey).toMatchObject({ name: 'sdk-ops', roles: ['admin'], scopes: ['*'], revokedAt: null });

    const listed = await admin.apiKeys.list();
    expect(listed.map((k) => k.id)).toContain(apiKey.id);
    expect(JSON.stringify(listed)).not.toContain(token);

    const ops = createClient({ baseUrl, apiKey: token });
    expect((await ops.apiKeys.list()).length).toBeGreaterThan(0);

    const revoked = await admin.apiKeys.revoke(apiKey.id);
    expect(revoked.revokedAt).toEqual(expect.any(Number));
    expect((await admin.apiKeys.list()).map((k) => k.id)).not.toContain(apiKey.id);
    expect((await admin.apiKeys.list({ includeRevoked: true })).map((k) => k.id)).toContain(apiKey.id);

    const error = await failure(ops.apiKeys.list());
    expect(error).toMatchObject({ code: 'auth.invalid_credentials', status: 401 });
    expect(error.requestId).toMatch(/^rid_/);
    expect(`${error.message} ${inspect(error)} ${JSON.stringify(error)}`).not.toContain(token);
  });

  it('gives a service key metrics but answers auth.forbidden on users.list', async () => {
    const { token } = await admin.apiKeys.create({ name: 'sdk-svc', roles: ['service'], scopes: ['*'] });
    const service = createClient({ baseUrl, apiKey: token, userAgent: 'platform-login/1.2' });
    expect(await service.metrics()).toContain('# HELP');

    const error = await failure(service.users.list());
    expect(error).toMatchObject({
      code: 'auth.forbidden',
      status: 403,
      details: { permission: 'users.read' },
    });
    expect(isCustosApiError(error, 'auth.forbidden')).toBe(true);
  });

  it('answers auth.required without a key', async () => {
    const error = await failure(createClient({ baseUrl }).users.list());
    expect(error).toMatchObject({ code: 'auth.required', status: 401 });
  });

  it('turns invalid input into request.invalid with the issues in details', async () => {
    const error = await failure(admin.users.create({ username: 'x', roles: [] }));
    expect(error).toMatchObject({ code: 'request.invalid', status: 400 });
    const issues = error.details?.issues as { path: string; message: string }[];
    expect(issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['body.username', 'body.roles']),
    );

    const scope = await failure(admin.apiKeys.create({ name: 'bad-scope', scopes: ['users.everything'] }));
    expect(scope).toMatchObject({ code: 'request.invalid', details: { field: 'scopes' } });

    const badId = await failure(admin.users.get('not-an-id'));
    expect(badId).toMatchObject({ code: 'request.invalid', status: 400 });
  });

  it('answers resource.not_found for ids that do not exist, and resource.conflict for duplicates', async () => {
    expect(await failure(admin.users.get(missingUser))).toMatchObject({
      code: 'resource.not_found',
      status: 404,
    });
    expect(await failure(admin.users.disable(missingUser))).toMatchObject({ code: 'resource.not_found' });
    expect(await failure(admin.apiKeys.revoke(missingKey))).toMatchObject({ code: 'resource.not_found' });

    await admin.users.create({ username: 'sdk.dup', roles: ['auditor'] });
    const conflict = await failure(admin.users.create({ username: 'sdk.dup', roles: ['auditor'] }));
    expect(conflict).toMatchObject({ code: 'resource.conflict', status: 409 });
  });

  it('keeps path parameters inside their segment', async () => {
    // Encoded, so the server sees one odd id rather than another route.
    expect(await failure(admin.users.get('../apikeys'))).toMatchObject({ code: 'request.invalid' });
    // Dot segments would be resolved away by URL parsing, so the SDK refuses them outright.
    await expect(admin.users.get('..')).rejects.toThrow(TypeError);
    await expect(admin.users.disable('')).rejects.toThrow(TypeError);
  });

  it('sends a caller-given request id, which the server echoes in its error', async () => {
    const error = await failure(admin.users.get(missingUser, { requestId: 'trace:sdk-test-0001' }));
    expect(error.requestId).toBe('trace:sdk-test-0001');
    await expect(admin.health({ requestId: 'bad id with spaces' })).rejects.toThrow(TypeError);
  });
});

describe('createClient option checks', () => {
  it('refuses a baseUrl that is not http or https', () => {
    expect(() => createClient({ baseUrl: 'ftp://127.0.0.1:7070' })).toThrow(/http or https/);
    expect(() => createClient({ baseUrl: 'not a url' })).toThrow(/not a valid URL/);
    expect(() => createClient({ baseUrl: 'http://user:pw@127.0.0.1' })).toThrow(/credentials/);
  });

  it('refuses an apiKey that is not ck_… without echoing it', () => {
    let message = '';
    try {
      createClient({ baseUrl: 'http://127.0.0.1:7070', apiKey: 'sk_live_topsecret' });
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/ck_/);
    expect(message).not.toContain('topsecret');
    expect(() => createClient({ baseUrl: 'http://h', apiKey: 'ck_abc\r\nx-evil: 1' })).toThrow(TypeError);
  });

  it('refuses out-of-range numbers', () => {
    expect(() => createClient({ baseUrl: 'http://h', retries: -1 })).toThrow(/retries/);
    expect(() => createClient({ baseUrl: 'http://h', timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => createClient({ baseUrl: 'http://h', retryBaseMs: 1.5 })).toThrow(/retryBaseMs/);
  });

  it('does not show the apiKey when the client is inspected', () => {
    const client = createClient({ baseUrl: 'http://h', apiKey: 'ck_inspect_me_not' });
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain('inspect_me_not');
  });
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Responder = (seen: Seen, attempt: number, res: ServerResponse) => void;

describe('SDK transport against a scripted server', () => {
  const servers: Server[] = [];

  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** A local HTTP server answering each request with `respond`; records every request. */
  async function scripted(respond: Responder): Promise<{ url: string; seen: Seen[] }> {
    const seen: Seen[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
        seen.push(request);
        respond(request, seen.length, res);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, seen };
  }

  function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  /** Answers 503 `store.unavailable` the first `failures` times, then `{status: 'ok'}`. */
  function failing(failures: number, headers: Record<string, string> = {}): Responder {
    return (seen, attempt, res) => {
      if (attempt > failures) return json(res, 200, { status: 'ok' });
      const requestId = String(seen.headers['x-request-id']);
      json(
        res,
        503,
        { code: 'store.unavailable', message: 'The store is not reachable.', requestId },
        headers,
      );
    };
  }

  const fast = { retryBaseMs: 1 };

  it('retries a GET on 503 and succeeds, with the same x-request-id on every attempt', async () => {
    const { url, seen } = await scripted(failing(2));
    const client = createClient({ baseUrl: url, ...fast, retries: 2 });
    expect(await client.health()).toEqual({ status: 'ok' });
    expect(seen).toHaveLength(3);
    const ids = seen.map((s) => s.headers['x-request-id']);
    expect(ids[0]).toMatch(/^rid_[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(1);
  });

  it('uses a new x-request-id for each call', async () => {
    const { url, seen } = await scripted(failing(0));
    const client = createClient({ baseUrl: url });
    await client.health();
    await client.health();
    expect(seen[0]?.headers['x-request-id']).not.toBe(seen[1]?.headers['x-request-id']);
  });

  it('gives up after retries extra attempts with the server error', async () => {
    const { url, seen } = await scripted(failing(Number.POSITIVE_INFINITY));
    const client = createClient({ baseUrl: url, ...fast, retries: 2 });
    const error = await failure(client.users.list());
    expect(error).toMatchObject({ code: 'store.unavailable', status: 503 });
    expect(error.requestId).toBe(seen[0]?.headers['x-request-id']);
    expect(seen).toHaveLength(3);
  });

  it('does not retry with retries: 0', async () => {
    const { url, seen } = await scripted(failing(1));
    const error = await failure(createClient({ baseUrl: url, retries: 0 }).health());
    expect(error.code).toBe('store.unavailable');
    expect(seen).toHaveLength(1);
  });

  it('never retries a POST', async () => {
    const { url, seen } = await scripted(failing(Number.POSITIVE_INFINITY));
    const client = createClient({ baseUrl: url, ...fast, retries: 3 });
    const error = await failure(client.users.create({ username: 'nobody', roles: ['analyst'] }));
    expect(error).toMatchObject({ code: 'store.unavailable', status: 503 });
    await failure(client.apiKeys.revoke(`key_${'0'.repeat(26)}`));
    expect(seen.map((s) => s.method)).toEqual(['POST', 'POST']);
  });

  it('does not retry a 500', async () => {
    const { url, seen } = await scripted((_s, _attempt, res) =>
      json(res, 500, { code: 'internal', message: 'An internal error occurred.', requestId: 'rid_1234567' }),
    );
    const error = await failure(createClient({ baseUrl: url, ...fast }).health());
    expect(error).toMatchObject({ code: 'internal', status: 500, requestId: 'rid_1234567' });
    expect(seen).toHaveLength(1);
  });

  it('retries a 429 after the Retry-After the server asks for', async () => {
    const { url, seen } = await scripted((s, attempt, res) =>
      attempt === 1
        ? json(
            res,
            429,
            { code: 'auth.throttled', message: 'slow down', requestId: String(s.headers['x-request-id']) },
            { 'retry-after': '0' },
          )
        : json(res, 200, { status: 'ok' }),
    );
    expect(await createClient({ baseUrl: url }).health()).toEqual({ status: 'ok' });
    expect(seen).toHaveLength(2);
  });

  it('caps a long Retry-After at maxRetryDelayMs', async () => {
    // An hour-long Retry-After would time the test out if it were honoured uncapped.
    const { url, seen } = await scripted(failing(1, { 'retry-after': '3600' }));
    const client = createClient({ baseUrl: url, maxRetryDelayMs: 5 });
    expect(await client.health()).toEqual({ status: 'ok' });
    expect(seen).toHaveLength(2);
  });

  it('retries a 502 without a Custos body and reports it as sdk.http_error', async () => {
    const { url, seen } = await scripted((_s, _attempt, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad Gateway</h1>');
    });
    const error = await failure(createClient({ baseUrl: url, ...fast, retries: 1 }).health());
    expect(error).toMatchObject({ code: 'sdk.http_error', status: 502 });
    expect(error.requestId).toBe(seen[0]?.headers['x-request-id']);
    expect(seen).toHaveLength(2);
  });

  it('reports a 2xx that is not JSON as sdk.invalid_response', async () => {
    const { url } = await scripted((_s, _attempt, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
    });
    const error = await failure(createClient({ baseUrl: url }).health());
    expect(error).toMatchObject({ code: 'sdk.invalid_response', status: 200 });
  });

  it('does not follow redirects', async () => {
    const { url, seen } = await scripted((_s, _attempt, res) => {
      res.writeHead(301, { location: 'https://elsewhere.invalid/healthz' }).end();
    });
    const error = await failure(createClient({ baseUrl: url }).health());
    expect(error).toMatchObject({ code: 'sdk.http_error', status: 301 });
    expect(error.message).toMatch(/baseUrl/);
    expect(seen).toHaveLength(1);
  });

  it('turns a silent server into sdk.timeout with status 0, retrying with the same id', async () => {
    // Never answers: the request stays open until the test closes the server.
    const { url, seen } = await scripted(() => {});
    const client = createClient({ baseUrl: url, timeoutMs: 200, retries: 1, ...fast });
    const error = await failure(client.health());
    expect(error).toMatchObject({ code: 'sdk.timeout', status: 0 });
    expect(seen).toHaveLength(2);
    expect(seen[1]?.headers['x-request-id']).toBe(seen[0]?.headers['x-request-id']);
    expect(error.requestId).toBe(seen[0]?.headers['x-request-id']);
  });

  it('counts a body that stalls after the headers against the timeout', async () => {
    const { url } = await scripted((_s, _attempt, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":');
    });
    const error = await failure(createClient({ baseUrl: url, timeoutMs: 200, retries: 0 }).health());
    expect(error).toMatchObject({ code: 'sdk.timeout', status: 0 });
  });

  it('turns a refused connection into sdk.network with status 0', async () => {
    const { url } = await scripted(() => {});
    const server = servers.pop() as Server;
    await new Promise((resolve) => server.close(resolve));
    const error = await failure(createClient({ baseUrl: url, ...fast, retries: 1 }).health());
    expect(error).toMatchObject({ code: 'sdk.network', status: 0 });
    expect(error.requestId).toMatch(/^rid_/);
    expect(error.cause).toBeDefined();
  });

  it('stops at once when the caller aborts, even while waiting to retry', async () => {
    const before = new AbortController();
    before.abort();
    const { url, seen } = await scripted(failing(5, { 'retry-after': '3600' }));
    const client = createClient({ baseUrl: url });
    expect(await failure(client.health({ signal: before.signal }))).toMatchObject({
      code: 'sdk.aborted',
      status: 0,
    });
    expect(seen).toHaveLength(0);

    // The first attempt gets a 503 asking for an hour's wait; the abort must cut that wait short.
    const during = new AbortController();
    const call = client.health({ signal: during.signal });
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    during.abort();
    expect(await failure(call)).toMatchObject({ code: 'sdk.aborted', status: 0 });
    expect(seen).toHaveLength(1);
  });

  it('sends auth, user agent, request id, JSON body and query as the server expects', async () => {
    const { url, seen } = await scripted((s, _attempt, res) => {
      if (s.method === 'GET') return json(res, 200, { users: [] });
      if (s.url.endsWith('/disable')) return json(res, 200, { user: {} });
      return json(res, 201, { user: {} });
    });
    const calls: string[] = [];
    const client = createClient({
      baseUrl: `${url}/custos/`,
      apiKey: 'ck_test_token',
      fetch: (input, init) => {
        calls.push(String(input));
        return fetch(input, init);
      },
    });
    await client.users.list({ includeDisabled: true });
    await client.users.create({ username: 'carol', roles: ['auditor'] });
    await client.users.disable('usr_a/b');

    expect(calls).toHaveLength(3);
    const [list, create, disable] = seen;
    expect(list).toMatchObject({ method: 'GET', url: '/custos/v1/users?includeDisabled=true' });
    expect(list?.headers).toMatchObject({
      authorization: 'Bearer ck_test_token',
      accept: 'application/json',
      'user-agent': 'custos-sdk/0.1.0',
    });
    expect(list?.headers['content-type']).toBeUndefined();
    expect(create?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(create?.body ?? '')).toEqual({ username: 'carol', roles: ['auditor'] });
    // A body-less POST carries no JSON content type, which Fastify would refuse as an empty body.
    expect(disable).toMatchObject({ method: 'POST', url: '/custos/v1/users/usr_a%2Fb/disable', body: '' });
    expect(disable?.headers['content-type']).toBeUndefined();
  });

  it('omits absent query parameters', async () => {
    const { url, seen } = await scripted((_s, _attempt, res) => json(res, 200, { apiKeys: [] }));
    await createClient({ baseUrl: url }).apiKeys.list();
    expect(seen[0]?.url).toBe('/v1/apikeys');
  });
});
