import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Custos, createCustos } from '../../src/app.js';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger, type Logger } from '../../src/core/logger.js';
import type { Role } from '../../src/identity/roles.js';
import { type Backend, postgresUrl, testSchemaName } from './services.js';

export interface TestCustos {
  custos: Custos;
  clock: ManualClock;
  dispose(): Promise<void>;
}

/**
 * A whole Custos on a fresh store (its own SQLite folder or PostgreSQL schema), with a manual
 * clock and silent logs unless a logger is given. `overrides` are config paths, as on the
 * command line.
 */
export async function createTestCustos(
  backend: Backend,
  overrides: Record<string, unknown> = {},
  options: { logger?: Logger } = {},
): Promise<TestCustos> {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-app-'));
  const schema = testSchemaName();
  const { config } = loadConfig({
    env: {},
    overrides: {
      dataDir,
      'log.level': 'silent',
      ...(backend === 'postgres'
        ? { 'database.url': postgresUrl, 'database.schema': schema, 'database.poolSize': 4 }
        : {}),
      ...overrides,
    },
  });
  const clock = createManualClock(Date.UTC(2026, 10, 22, 9, 0, 0));
  const custos = await createCustos(config, {
    clock,
    logger: options.logger ?? createLogger({ level: 'silent', pretty: false }),
  });
  return {
    custos,
    clock,
    async dispose() {
      await custos.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const testPassword = 'correct horse battery staple';

/** Creates a user with the given roles and a known password. */
export async function addUser(custos: Custos, username: string, roles: Role[]) {
  const { user } = await custos.users.create({ username, roles, password: testPassword, createdBy: 'test' });
  return user;
}

/** A signed-in console session: cookie header and CSRF token for inject() calls. */
export interface SessionAuth {
  cookie: string;
  csrf: string;
}

export async function signIn(
  custos: Custos,
  username: string,
  password = testPassword,
): Promise<SessionAuth> {
  const response = await custos.api.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { username, password },
  });
  if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
  const session = response.cookies.find((c) => c.name === 'custos_session');
  if (!session) throw new Error('no session cookie');
  return {
    cookie: `custos_session=${session.value}`,
    csrf: (response.json() as { csrfToken: string }).csrfToken,
  };
}

/** Headers for a session-authenticated, CSRF-protected request. */
export function sessionHeaders(auth: SessionAuth): Record<string, string> {
  return { cookie: auth.cookie, 'x-csrf-token': auth.csrf };
}

/** A console user with a live session, for route tests that act as several people. */
export interface Person {
  id: string;
  username: string;
  auth: SessionAuth;
}

/** Creates a user with these roles and signs them in. */
export async function signedInPerson(custos: Custos, username: string, roles: Role[]): Promise<Person> {
  const user = await addUser(custos, username, roles);
  return { id: user.id, username, auth: await signIn(custos, username) };
}

/** One request as that person, with their session cookie and CSRF token. */
export function callAs(
  custos: Custos,
  who: Person,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: Record<string, unknown>,
) {
  return custos.api.app.inject({
    method,
    url,
    headers: sessionHeaders(who.auth),
    ...(payload === undefined ? {} : { payload }),
  });
}

/** A logger whose JSON lines land in an array, for tests of what Custos logs. */
export function logLines() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'warn', pretty: false, destination }) };
}
