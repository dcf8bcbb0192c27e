import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Custos } from '../../src/app.js';
import type { ManualClock } from '../../src/core/clock.js';
import type { CustosError } from '../../src/core/errors.js';
import type { CustosEvent } from '../../src/core/events.js';
import type { Role } from '../../src/identity/roles.js';
import { generatePassword } from '../../src/identity/secrets.js';
import { addUser, createTestCustos, type TestCustos, testPassword } from '../support/app.js';
import { backends } from '../support/services.js';

const minute = 60_000;
const settings = {
  sessionTtlMs: 120 * minute,
  idleTimeoutMs: 30 * minute,
  accountFailureLimit: 3,
  throttleWindowMs: 15 * minute,
  apiKeyTouchIntervalMs: minute,
};
const client = { ip: '203.0.113.7', userAgent: 'vitest' };

/** The code of the CustosError `promise` rejects with, or the resolved value when it does not. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ resolved: value }),
    (error: { code?: unknown }) => error.code ?? error,
  );
}

/** Replaces the character at `index` with another one from the same token alphabet. */
function changeCharAt(token: string, index: number): string {
  const current = token[index];
  const replacement = current === 'A' ? 'B' : 'A';
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}

describe.each(backends)('identity on %s', (backend) => {
  let t: TestCustos | undefined;
  let custos: Custos;
  let clock: ManualClock;
  beforeEach(async () => {
    t = await createTestCustos(backend, {
      'auth.sessionTtl': settings.sessionTtlMs,
      'auth.sessionIdleTimeout': settings.idleTimeoutMs,
      'auth.accountFailureLimit': settings.accountFailureLimit,
      'auth.throttleWindow': settings.throttleWindowMs,
      'auth.apiKeyTouchInterval': settings.apiKeyTouchIntervalMs,
    });
    custos = t.custos;
    clock = t.clock;
  });
  afterEach(async () => {
    // Undefined when setting up failed: there is nothing to dispose then.
    await t?.dispose();
    t = undefined;
  });

  const userRow = (id: string) =>
    custos.store.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const outboxEvents = async (topic: string): Promise<CustosEvent[]> => {
    const rows = await custos.store.db
      .selectFrom('outbox')
      .selectAll()
      .where('topic', '=', topic)
      .where('destination', '=', 'bus')
      .orderBy('id')
      .execute();
    return rows.map((row) => JSON.parse(row.payload) as CustosEvent);
  };
  const login = (username: string, password: string) => custos.login.login({ username, password, ...client });

  describe('users', () => {
    it('stores an argon2id hash of the password and never returns it', async () => {
      const { user, generatedPassword } = await custos.users.create({
        username: 'alice',
        roles: ['admin'],
        password: testPassword,
        createdBy: 'test',
      });
      const row = await userRow(user.id);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.password_hash).not.toContain(testPassword);
      expect(generatedPassword).toBeUndefined();
      expect(JSON.stringify(user)).not.toContain('argon2');
      expect(user).toMatchObject({ username: 'alice', displayName: 'alice', roles: ['admin'], oidc: false });
    });

    it('stores the username in lower case and finds it whatever the case', async () => {
      const user = await addUser(custos, 'Alice.Admin', ['admin']);
      expect(user.username).toBe('alice.admin');
      expect((await userRow(user.id)).username).toBe('alice.admin');
      expect((await custos.users.findForLogin('ALICE.ADMIN'))?.id).toBe(user.id);
    });

    it('rejects usernames that are too short or long, start with punctuation or hold other characters', async () => {
      const usernames = [
        '',
        'a',
        'a'.repeat(65),
        '.alice',
        '-alice',
        'al ice',
        'alice@example.com',
        '../alice',
        'élise',
        'alice\n',
        'alice\u0000',
      ];
      for (const username of usernames) {
        const attempt = custos.users.create({
          username,
          roles: ['engineer'],
          password: testPassword,
          createdBy: 't',
        });
        expect(await failure(attempt), JSON.stringify(username)).toBe('request.invalid');
      }
      expect(await custos.users.count()).toBe(0);
    });

    it('rejects passwords shorter than 12 or longer than 256 characters', async () => {
      for (const password of ['', 'a'.repeat(11), 'a'.repeat(257), 'a'.repeat(100_000)]) {
        const attempt = custos.users.create({
          username: 'alice',
          roles: ['engineer'],
          password,
          createdBy: 't',
        });
        expect(await failure(attempt), `length ${password.length}`).toBe('request.invalid');
      }
      expect(await custos.users.count()).toBe(0);
    });

    it('accepts passwords of exactly 12 and 256 characters', async () => {
      await custos.users.create({
        username: 'short',
        roles: ['engineer'],
        password: 'Vq7#mZ2!kLp9',
        createdBy: 't',
      });
      await custos.users.create({
        username: 'long',
        roles: ['engineer'],
        password: generatePassword(256),
        createdBy: 't',
      });
      expect(await custos.users.count()).toBe(2);
    });

    it('rejects a user with the service role, no role or an unknown role', async () => {
      for (const roles of [['service'], ['engineer', 'service'], [], ['root']]) {
        const attempt = custos.users.create({
          username: 'alice',
          roles: roles as Role[],
          password: testPassword,
          createdBy: 't',
        });
        expect(await failure(attempt), roles.join()).toBe('request.invalid');
      }
      expect(await custos.users.count()).toBe(0);
    });

    it('rejects a taken username as resource.conflict, whatever its case, and records one creation', async () => {
      await addUser(custos, 'alice', ['engineer']);
      expect(await failure(addUser(custos, 'alice', ['admin']))).toBe('resource.conflict');
      expect(await failure(addUser(custos, 'ALICE', ['admin']))).toBe('resource.conflict');
      expect(await custos.users.count()).toBe(1);
      expect(await outboxEvents('identity.user.created')).toHaveLength(1);
    });

    it('generates a password when none is given, returns it once, and it signs in', async () => {
      const { user, generatedPassword } = await custos.users.create({
        username: 'alice',
        roles: ['engineer'],
        createdBy: 'test',
      });
      expect(generatedPassword).toMatch(/^[A-Za-z0-9]{24}$/);
      const signedIn = await login('alice', generatedPassword as string);
      expect(signedIn.user.id).toBe(user.id);
    });

    it('records identity.user.created in the outbox without the password', async () => {
      const user = await addUser(custos, 'alice', ['auditor']);
      const [created, ...others] = await outboxEvents('identity.user.created');
      expect(others).toEqual([]);
      expect(created).toMatchObject({
        topic: 'identity.user.created',
        class_uid: 3001,
        actor: { user: { uid: 'test' } },
        unmapped: { userId: user.id, username: 'alice', roles: ['auditor'] },
      });
      const text = JSON.stringify(created);
      expect(text).not.toContain(testPassword);
      expect(text).not.toContain('argon2');
    });
  });

  describe('password policy', () => {
    // Each is at least 12 characters long: only the strength check can refuse them.
    const weak = [
      'Password123!',
      'password1234',
      'P@ssw0rd2024',
      'qwertyuiop123',
      '1q2w3e4r5t6y',
      'zaq12wsxcde3',
      'iloveyou2024!',
      'letmein12345',
      'Welcome12345',
      'Summer2024!!',
      'abcdefghijkl',
      'dragondragon',
    ];

    it('refuses common, breached and patterned passwords with password.too_common, saying why without echoing them', async () => {
      for (const password of weak) {
        const error = await custos.users
          .create({ username: 'alice', roles: ['engineer'], password, createdBy: 't' })
          .catch((e: unknown) => e);
        expect(error, password).toMatchObject({ code: 'password.too_common', status: 400 });
        const { message, details } = error as CustosError;
        expect(message, password).toMatch(/^the password is too easy to guess: .+/);
        expect(JSON.stringify({ message, details }), password).not.toContain(password);
      }
      expect(await custos.users.count()).toBe(0);
    });

    it('says so when a password is on the list of common and breached passwords', async () => {
      const error = await custos.users
        .create({ username: 'alice', roles: ['engineer'], password: 'Password123!', createdBy: 't' })
        .catch((e: unknown) => e);
      expect((error as CustosError).message).toContain('on a list of common and breached passwords');
    });

    it("refuses a password built on the user's own name that it accepts for someone else", async () => {
      const password = 'Wilhelmina2024!';
      const error = await custos.users
        .create({ username: 'wilhelmina', roles: ['engineer'], password, createdBy: 't' })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'password.too_common', details: { warning: 'userInputs' } });
      const { user } = await custos.users.create({
        username: 'bob',
        roles: ['engineer'],
        password,
        createdBy: 't',
      });
      expect(user.username).toBe('bob');
    });

    it('refuses a common password as a new password and keeps the old one', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      expect(await failure(custos.users.setPassword(user.id, 'Password123!'))).toBe('password.too_common');
      expect((await login('alice', testPassword)).user.id).toBe(user.id);
    });

    it('accepts generated passwords as chosen ones', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      for (let i = 0; i < 3; i++) {
        const password = generatePassword();
        await custos.users.setPassword(user.id, password);
        expect((await login('alice', password)).user.id).toBe(user.id);
      }
    });

    it('lets auth.passwordMinScore relax the bar, never below the common-password list', async () => {
      await t?.dispose();
      t = await createTestCustos(backend, { 'auth.passwordMinScore': 2 });
      custos = t.custos;
      const created = await custos.users.create({
        username: 'alice',
        roles: ['engineer'],
        password: 'Summer2024!!',
        createdBy: 't',
      });
      expect(created.user.username).toBe('alice');
      const listed = custos.users.create({
        username: 'bob',
        roles: ['engineer'],
        password: 'Password123!',
        createdBy: 't',
      });
      expect(await failure(listed)).toBe('password.too_common');
    });
  });

  describe('disabling users', () => {
    it('refuses to let a user disable their own account', async () => {
      const admin = await addUser(custos, 'alice', ['admin']);
      await addUser(custos, 'bob', ['admin']);
      expect(await failure(custos.users.disable(admin.id, admin.id))).toBe('identity.self_disable');
      expect((await custos.users.get(admin.id)).disabledAt).toBeNull();
    });

    it('refuses to disable the last active admin', async () => {
      const admin = await addUser(custos, 'alice', ['admin']);
      const engineer = await addUser(custos, 'bob', ['engineer']);
      expect(await failure(custos.users.disable(admin.id, engineer.id))).toBe('identity.last_admin');
      expect((await custos.users.get(admin.id)).disabledAt).toBeNull();
    });

    it('lets only one of two admins disabling each other at the same moment succeed', async () => {
      for (let round = 0; round < 5; round++) {
        const a = await addUser(custos, `a${round}`, ['admin']);
        const b = await addUser(custos, `b${round}`, ['admin']);
        // Earlier rounds' admins are disabled first, so a and b are the only active admins.
        for (const user of await custos.users.list()) {
          if (user.id !== a.id && user.id !== b.id && user.roles.includes('admin')) {
            await custos.users.disable(user.id, a.id);
          }
        }
        const outcomes = await Promise.allSettled([
          custos.users.disable(a.id, b.id),
          custos.users.disable(b.id, a.id),
        ]);
        const refused = outcomes.filter((o) => o.status === 'rejected');
        expect(
          outcomes.filter((o) => o.status === 'fulfilled'),
          `round ${round}`,
        ).toHaveLength(1);
        expect((refused[0] as PromiseRejectedResult).reason.code).toBe('identity.last_admin');
      }
    });

    it('disables an admin while another admin remains, and ends their sessions', async () => {
      const alice = await addUser(custos, 'alice', ['admin']);
      const bob = await addUser(custos, 'bob', ['admin']);
      const { token, session } = await custos.sessions.create(alice.id, client);

      const disabled = await custos.users.disable(alice.id, bob.id);

      expect(disabled.disabledAt).toBe(clock.now());
      expect(await failure(custos.sessions.authenticate(token))).toBe('auth.session_expired');
      const row = await custos.store.db
        .selectFrom('sessions')
        .select('revoked_at')
        .where('id', '=', session.id)
        .executeTakeFirstOrThrow();
      expect(row.revoked_at).toBe(clock.now());
      expect(await outboxEvents('identity.user.disabled')).toHaveLength(1);
    });

    it('refuses a password sign-in by a disabled user', async () => {
      const alice = await addUser(custos, 'alice', ['engineer']);
      const bob = await addUser(custos, 'bob', ['admin']);
      await custos.users.disable(alice.id, bob.id);
      expect(await failure(login('alice', testPassword))).toBe('auth.invalid_credentials');
    });

    it('answers resource.not_found for an unknown user', async () => {
      const admin = await addUser(custos, 'alice', ['admin']);
      expect(await failure(custos.users.disable('usr_00000000000000000000000000', admin.id))).toBe(
        'resource.not_found',
      );
    });
  });

  describe('sessions', () => {
    it('authenticates a new session and returns its user', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      const { token, session } = await custos.sessions.create(user.id, client);
      const found = await custos.sessions.authenticate(token);
      expect(found.session.id).toBe(session.id);
      expect(found.user).toMatchObject({ id: user.id, username: 'alice' });
    });

    it('prunes sessions that ended more than a day ago and keeps the rest', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      const revoked = await custos.sessions.create(user.id, client);
      await custos.sessions.revoke(revoked.session.id);
      const live = await custos.sessions.create(user.id, client);
      // The live one ends at its 2-hour lifetime; a day after that, both are gone.
      clock.advance(26 * 60 * minute + 1);
      const fresh = await custos.sessions.create(user.id, client);
      expect(await custos.sessions.prune()).toBe(2);
      const left = await custos.store.db.selectFrom('sessions').select('id').execute();
      expect(left.map((r) => r.id)).toEqual([fresh.session.id]);
      expect(live.session.id).not.toBe(fresh.session.id);
    });

    it('stores only hashes of the session and CSRF tokens', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      const { token, csrfToken, session } = await custos.sessions.create(user.id, client);
      const row = await custos.store.db
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', session.id)
        .executeTakeFirstOrThrow();
      const text = JSON.stringify(row);
      expect(text).not.toContain(token);
      expect(text).not.toContain(csrfToken);
    });

    it('expires a session left idle for longer than the idle timeout', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      const { token } = await custos.sessions.create(user.id, client);
      clock.advance(settings.idleTimeoutMs);
      await custos.sessions.authenticate(token);
      clock.advance(settings.idleTimeoutMs + 1);
      expect(await failure(custos.sessions.authenticate(token))).toBe('auth.session_expired');
    });

    it('keeps a session alive while it is used within the idle timeout', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      const { token } = await custos.sessions.create(user.id, client);
      for (let i = 0; i < 3; i++) {
        clock.advance(20 * minute);
        await custos.sessions.authenticate(token);
      }
      expect((await custos.sessions.authenticate(token)).user.id).toBe(user.id);
    });

    it('expires a session at its absolute lifetime even while it is in use', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      const { token } = await custos.sessions.create(user.id, client);
      for (let elapsed = 20 * minute; elapsed < settings.sessionTtlMs; elapsed += 20 * minute) {
        clock.advance(20 * minute);
        await custos.sessions.authenticate(token);
      }
      clock.advance(20 * minute);
      expect(await failure(custos.sessions.authenticate(token))).toBe('auth.session_expired');
    });

    it('refuses a revoked session', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      const { token, session } = await custos.sessions.create(user.id, client);
      await custos.sessions.revoke(session.id);
      expect(await failure(custos.sessions.authenticate(token))).toBe('auth.session_expired');
    });

    it('answers auth.required for an unknown, empty or over-long token', async () => {
      for (const token of ['x'.repeat(43), '', 'x'.repeat(10_000)]) {
        expect(await failure(custos.sessions.authenticate(token)), `length ${token.length}`).toBe(
          'auth.required',
        );
      }
    });

    it('answers auth.required for a token with one character changed', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      const { token } = await custos.sessions.create(user.id, client);
      expect(await failure(custos.sessions.authenticate(changeCharAt(token, 5)))).toBe('auth.required');
    });

    it("accepts the session's own CSRF token and rejects every other", async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      const mine = await custos.sessions.create(user.id, client);
      const other = await custos.sessions.create(user.id, client);
      const { session, csrfToken } = mine;
      expect(custos.sessions.csrfMatches(session, csrfToken)).toBe(true);
      for (const wrong of [
        other.csrfToken,
        mine.token,
        changeCharAt(csrfToken, 0),
        changeCharAt(csrfToken, csrfToken.length - 1),
        `${csrfToken} `,
        csrfToken.slice(1),
        '',
        undefined,
        session.csrf_hash,
        'x'.repeat(10_000),
      ]) {
        expect(custos.sessions.csrfMatches(session, wrong)).toBe(false);
      }
    });
  });

  describe('API keys', () => {
    it('issues a token of the shape ck_<key id>_<43 characters> whose secret is stored hashed', async () => {
      const { apiKey, token } = await custos.apiKeys.create({ name: 'ingest', createdBy: 'test' });
      expect(token).toMatch(/^ck_[0-9A-HJKMNP-TV-Z]{26}_[A-Za-z0-9_-]{43}$/);
      expect(token.slice(3, 29)).toBe(apiKey.id.slice(4));
      expect(apiKey).toMatchObject({
        name: 'ingest',
        roles: ['service'],
        scopes: ['access.check', 'access.catalog.read'],
        lastUsedAt: null,
      });
      const secret = token.slice(30);
      const row = await custos.store.db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', apiKey.id)
        .executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(secret);
      expect(JSON.stringify(await custos.apiKeys.list())).not.toContain(secret);
    });

    it('authenticates its token', async () => {
      const { apiKey, token } = await custos.apiKeys.create({
        name: 'ingest',
        roles: ['service', 'auditor'],
        scopes: ['metrics.read'],
        createdBy: 'test',
      });
      expect(await custos.apiKeys.authenticate(token)).toMatchObject({
        id: apiKey.id,
        roles: ['service', 'auditor'],
        scopes: ['metrics.read'],
      });
    });

    it('refuses a token with any one character changed', async () => {
      const { token } = await custos.apiKeys.create({ name: 'ingest', createdBy: 'test' });
      // The key id, the first and last secret characters, and one in the middle.
      for (const index of [3, 28, 30, 50, token.length - 1]) {
        const altered = changeCharAt(token, index);
        expect(await failure(custos.apiKeys.authenticate(altered)), `index ${index}`).toBe(
          'auth.invalid_credentials',
        );
      }
    });

    it('refuses empty, bare and made-up tokens', async () => {
      for (const token of ['', 'ck_', `ck_${'0'.repeat(26)}_${'A'.repeat(43)}`, 'x'.repeat(43)]) {
        expect(await failure(custos.apiKeys.authenticate(token)), token).toBe('auth.invalid_credentials');
      }
    });

    it('refuses a token with whitespace around it or its secret swapped with another key', async () => {
      const first = await custos.apiKeys.create({ name: 'first', createdBy: 'test' });
      const second = await custos.apiKeys.create({ name: 'second', createdBy: 'test' });
      const swapped = `${first.token.slice(0, 30)}${second.token.slice(30)}`;
      for (const token of [` ${first.token}`, `${first.token}\n`, swapped]) {
        expect(await failure(custos.apiKeys.authenticate(token))).toBe('auth.invalid_credentials');
      }
    });

    it('refuses a revoked key', async () => {
      const { apiKey, token } = await custos.apiKeys.create({ name: 'ingest', createdBy: 'test' });
      await custos.apiKeys.revoke(apiKey.id, 'test');
      expect(await failure(custos.apiKeys.authenticate(token))).toBe('auth.invalid_credentials');
    });

    it('refuses a key from its expiry time on', async () => {
      const { token } = await custos.apiKeys.create({
        name: 'ingest',
        expiresAt: clock.now() + 60 * minute,
        createdBy: 'test',
      });
      clock.advance(60 * minute - 1);
      await custos.apiKeys.authenticate(token);
      clock.advance(1);
      expect(await failure(custos.apiKeys.authenticate(token))).toBe('auth.invalid_credentials');
    });

    it('records when a key was last used, at most once per touch interval', async () => {
      const { apiKey, token } = await custos.apiKeys.create({ name: 'ingest', createdBy: 'test' });
      const lastUsed = async () =>
        (
          await custos.store.db
            .selectFrom('api_keys')
            .select('last_used_at')
            .where('id', '=', apiKey.id)
            .executeTakeFirstOrThrow()
        ).last_used_at;
      const firstUse = clock.now();
      expect((await custos.apiKeys.authenticate(token)).lastUsedAt).toBe(firstUse);
      expect(await lastUsed()).toBe(firstUse);

      clock.advance(settings.apiKeyTouchIntervalMs - 1);
      await custos.apiKeys.authenticate(token);
      expect(await lastUsed()).toBe(firstUse);

      clock.advance(1);
      await custos.apiKeys.authenticate(token);
      expect(await lastUsed()).toBe(clock.now());
    });

    it('rejects a key with an unknown scope or role, no role, or an expiry not in the future', async () => {
      const inputs = [
        { scopes: ['users.delete'] },
        { scopes: ['metrics.read', 'everything'] },
        { roles: ['root'] as unknown as Role[] },
        { roles: [] },
        { expiresAt: Date.UTC(2020, 0, 1) },
        { expiresAt: clock.now() },
      ];
      for (const input of inputs) {
        const attempt = custos.apiKeys.create({ name: 'ingest', createdBy: 'test', ...input });
        expect(await failure(attempt), JSON.stringify(input)).toBe('request.invalid');
      }
      expect(await custos.apiKeys.list({ includeRevoked: true })).toEqual([]);
    });
  });

  describe('password sign-in', () => {
    it('opens a session for the right password and records the sign-in time', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      const signedIn = await login('Alice', testPassword);
      expect(signedIn.user).toMatchObject({ id: user.id, lastLoginAt: clock.now() });
      expect((await custos.sessions.authenticate(signedIn.token)).user.id).toBe(user.id);
      expect(await outboxEvents('identity.login.succeeded')).toHaveLength(1);
    });

    it('answers auth.invalid_credentials alike for a wrong password and an unknown user', async () => {
      await addUser(custos, 'alice', ['engineer']);
      const wrongPassword = await login('alice', 'wrong password entirely').catch((e: Error) => e);
      const unknownUser = await login('mallory', testPassword).catch((e: Error) => e);
      expect(wrongPassword).toMatchObject({ code: 'auth.invalid_credentials' });
      expect(unknownUser).toMatchObject({ code: 'auth.invalid_credentials' });
      expect((wrongPassword as Error).message).toBe((unknownUser as Error).message);
    });

    it('refuses a password longer than the maximum without error', async () => {
      await addUser(custos, 'alice', ['engineer']);
      expect(await failure(login('alice', 'p'.repeat(100_000)))).toBe('auth.invalid_credentials');
    });

    it('records identity.login.failed in the outbox without the password tried', async () => {
      const user = await addUser(custos, 'alice', ['engineer']);
      await login('alice', 'wrong password entirely').catch(() => undefined);
      const [failed, ...others] = await outboxEvents('identity.login.failed');
      expect(others).toEqual([]);
      expect(failed).toMatchObject({
        topic: 'identity.login.failed',
        class_uid: 3002,
        actor: { user: { uid: user.id } },
        unmapped: { username: 'alice', ip: client.ip, outcome: 'failed' },
      });
      expect(JSON.stringify(failed)).not.toContain('wrong password entirely');
    });

    it('throttles an account after accountFailureLimit failures, even with the right password', async () => {
      await addUser(custos, 'alice', ['engineer']);
      for (let i = 0; i < settings.accountFailureLimit; i++) {
        expect(await failure(login('alice', `wrong password ${i}`))).toBe('auth.invalid_credentials');
      }
      const throttled = await login('alice', testPassword).catch((e: unknown) => e);
      expect(throttled).toMatchObject({ code: 'auth.throttled' });
      expect(
        (throttled as { details: { retryAfterSeconds: number } }).details.retryAfterSeconds,
      ).toBeGreaterThan(0);
      // The username's case does not open a second counter.
      expect(await failure(login('ALICE', testPassword))).toBe('auth.throttled');
      expect(await outboxEvents('identity.login.throttled')).toHaveLength(2);

      clock.advance(settings.throttleWindowMs);
      expect((await login('alice', testPassword)).user.username).toBe('alice');
    });

    it('throttles only the account that failed', async () => {
      await addUser(custos, 'alice', ['engineer']);
      await addUser(custos, 'bob', ['engineer']);
      for (let i = 0; i < settings.accountFailureLimit; i++) {
        await login('alice', `wrong password ${i}`).catch(() => undefined);
      }
      expect(await failure(login('alice', testPassword))).toBe('auth.throttled');
      expect((await login('bob', testPassword)).user.username).toBe('bob');
    });

    it('resets the account counter after a successful sign-in', async () => {
      await addUser(custos, 'alice', ['engineer']);
      const failures = settings.accountFailureLimit - 1;
      for (let i = 0; i < failures; i++) await login('alice', `wrong password ${i}`).catch(() => undefined);
      await login('alice', testPassword);
      // Without the reset these failures would reach the limit and the next attempts be throttled.
      for (let i = 0; i < failures; i++) {
        expect(await failure(login('alice', `wrong password ${i}`))).toBe('auth.invalid_credentials');
      }
      expect((await login('alice', testPassword)).user.username).toBe('alice');
    });
  });
});
