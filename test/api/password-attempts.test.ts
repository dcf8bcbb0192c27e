import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
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
import { captureLog } from '../support/log.js';
import { backends, redisUrl, uniqueName } from '../support/services.js';

const accountFailureLimit = 5;
const window = 15 * 60_000;
const limiters = redisUrl ? (['memory', 'redis'] as const) : (['memory'] as const);
const setups = backends.flatMap((backend) => limiters.map((limiter) => [backend, limiter] as const));

/** How many responses carried each error code. */
function codeCounts(responses: LightMyRequestResponse[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const response of responses) {
    const code = String(response.json().code);
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}

describe.each(setups)('password attempts on %s with the %s limiter', (backend, limiter) => {
  let t: TestCustos;
  let keyPrefix: string;

  beforeEach(async () => {
    keyPrefix = `${uniqueName('custos_test')}:`;
    t = await createTestCustos(backend, {
      'auth.accountFailureLimit': accountFailureLimit,
      'auth.ipFailureLimit': 100,
      'auth.throttleWindow': window,
      ...(limiter === 'redis' ? { 'redis.url': redisUrl, 'redis.keyPrefix': keyPrefix } : {}),
    });
    await addUser(t.custos, 'alice', ['admin']);
  });
  afterEach(async () => {
    await t.dispose();
    if (limiter === 'redis') {
      const client = new Redis(redisUrl as string);
      const keys = await client.keys(`${keyPrefix}*`);
      if (keys.length > 0) await client.del(...keys);
      await client.quit();
    }
  });

  const inject = (options: InjectOptions) => t.custos.api.app.inject(options);
  const login = (username: string, password: string, remoteAddress = '203.0.113.7') =>
    inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password }, remoteAddress });
  const changePassword = (auth: SessionAuth, currentPassword: string, newPassword: string) =>
    inject({
      method: 'POST',
      url: '/v1/auth/password',
      headers: sessionHeaders(auth),
      payload: { currentPassword, newPassword },
    });
  const recorded = async (topic: string): Promise<number> =>
    (
      await t.custos.store.db
        .selectFrom('outbox')
        .select('id')
        .where('topic', '=', topic)
        .where('destination', '=', 'bus')
        .execute()
    ).length;

  it('verifies at most accountFailureLimit of 20 wrong passwords sent at once and throttles the rest', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login('alice', `wrong guess number ${i}`)),
    );
    expect(codeCounts(responses)).toEqual({ 'auth.invalid_credentials': 5, 'auth.throttled': 15 });
    expect(responses.filter((r) => r.statusCode === 429)).toHaveLength(15);
    // Only verified guesses are recorded as failed sign-ins; the others never reached argon2.
    expect(await recorded('identity.login.failed')).toBe(accountFailureLimit);
    expect(await recorded('identity.login.throttled')).toBe(15);
    expect((await login('alice', testPassword)).statusCode).toBe(429);
  });

  it('verifies at most accountFailureLimit of 20 wrong current passwords sent at once on a password change', async () => {
    const session = await signIn(t.custos, 'alice');
    const newPassword = 'Kangaroo-Tuesday-77-orbit';
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => changePassword(session, `wrong guess number ${i}`, newPassword)),
    );
    expect(codeCounts(responses)).toEqual({ 'auth.invalid_credentials': 5, 'auth.throttled': 15 });
    expect(await recorded('identity.password_change.failed')).toBe(accountFailureLimit);
    expect(await recorded('identity.password_change.throttled')).toBe(15);
    // A stolen session spent the account's budget: the right password now waits like any other.
    const throttled = await changePassword(session, testPassword, newPassword);
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login('alice', testPassword)).statusCode).toBe(429);

    t.clock.advance(window);
    expect((await changePassword(session, testPassword, newPassword)).statusCode).toBe(204);
    expect((await login('alice', newPassword)).statusCode).toBe(200);
  });

  it('counts wrong passwords at sign-in and at password change against one budget', async () => {
    const session = await signIn(t.custos, 'alice');
    for (let i = 0; i < 3; i++) expect((await login('alice', `wrong ${i}`)).statusCode).toBe(401);
    for (let i = 0; i < 2; i++) {
      expect((await changePassword(session, `wrong ${i}`, 'Kangaroo-Tuesday-77-orbit')).statusCode).toBe(401);
    }
    expect((await changePassword(session, testPassword, 'Kangaroo-Tuesday-77-orbit')).statusCode).toBe(429);
  });

  it('gives a successful sign-in its reservation back, so successes never throttle an IP', async () => {
    await t.dispose();
    t = await createTestCustos(backend, {
      'auth.ipFailureLimit': 3,
      ...(limiter === 'redis' ? { 'redis.url': redisUrl, 'redis.keyPrefix': keyPrefix } : {}),
    });
    await addUser(t.custos, 'alice', ['admin']);
    for (let i = 0; i < 6; i++) expect((await login('alice', testPassword)).statusCode).toBe(200);
    for (const name of ['u1', 'u2', 'u3']) expect((await login(name, 'some guess')).statusCode).toBe(401);
    expect((await login('alice', testPassword)).statusCode).toBe(429);
  });

  it('spends nothing from an account when its attempt is refused by the IP throttle', async () => {
    await t.dispose();
    t = await createTestCustos(backend, {
      'auth.accountFailureLimit': accountFailureLimit,
      'auth.ipFailureLimit': 2,
      ...(limiter === 'redis' ? { 'redis.url': redisUrl, 'redis.keyPrefix': keyPrefix } : {}),
    });
    await addUser(t.custos, 'alice', ['admin']);
    const blocked = '198.51.100.1';
    for (const name of ['u1', 'u2']) expect((await login(name, 'some guess', blocked)).statusCode).toBe(401);
    for (let i = 0; i < 10; i++) expect((await login('alice', `guess ${i}`, blocked)).statusCode).toBe(429);
    // Had those ten taken units from alice, she would be locked out from everywhere now. Each
    // IP below stays under its own limit of 2.
    for (let i = 0; i < accountFailureLimit - 1; i++) {
      expect((await login('alice', `wrong ${i}`, `192.0.2.${i + 1}`)).statusCode).toBe(401);
    }
    expect((await login('alice', testPassword, '192.0.2.100')).statusCode).toBe(200);
  });
});

describe.each(backends)('a Redis outage at sign-in on %s', (backend) => {
  let t: TestCustos;
  let log: ReturnType<typeof captureLog>;
  beforeEach(async () => {
    log = captureLog();
    // Port 1 refuses connections on any test machine; the password must never reach a log.
    t = await createTestCustos(
      backend,
      { 'redis.url': 'redis://custos:hunter2-secret@127.0.0.1:1' },
      { logger: log.logger },
    );
    await addUser(t.custos, 'alice', ['admin']);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('answers 503 limits.unavailable without Redis error text, checks no password, and logs the outage once', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await t.custos.api.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username: 'alice', password: testPassword },
      });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        code: 'limits.unavailable',
        message: expect.any(String),
        requestId: expect.any(String),
      });
      expect(response.body).not.toMatch(/ECONNREFUSED|retries|127\.0\.0\.1|hunter2/i);
    }
    const outages = log.lines().filter((line) => String(line.msg).startsWith('Redis limiter'));
    expect(outages).toHaveLength(1);
    expect(outages[0]).toMatchObject({ level: 40, redis: '127.0.0.1:1' });
    expect(JSON.stringify(log.lines())).not.toContain('hunter2');
    const signIns = await t.custos.store.db
      .selectFrom('outbox')
      .select('topic')
      .where('topic', 'like', 'identity.login.%')
      .execute();
    expect(signIns).toEqual([]);
  });
});
