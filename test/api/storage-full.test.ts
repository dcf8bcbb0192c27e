import { statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fullReportHoldMs } from '../../src/store/outage.js';
import {
  addUser,
  callAs,
  createTestCustos,
  type Person,
  signedInPerson,
  type TestCustos,
} from '../support/app.js';
import { canMountTmpfs, mountSmallDisk, type SmallDisk } from '../support/disk.js';
import { backends, postgresUrl, uniqueName } from '../support/services.js';

// What a driver or the kernel says about a full disk; none of it may reach a client.
const driverText = /SQLITE|disk is full|No space|ENOSPC|could not extend|53100|pg_tblspc/i;

/**
 * A Custos whose store really runs out of disk: on SQLite, its data folder (database and ledger
 * files) lives on a small tmpfs; on PostgreSQL, its schema's tables and indexes are moved into a
 * tablespace on a small tmpfs that the server owns. `disk.fill()` then leaves no room.
 */
async function custosOnSmallDisk(backend: 'sqlite' | 'postgres') {
  if (backend === 'sqlite') {
    const disk = mountSmallDisk(8 << 20);
    const t = await createTestCustos(backend, { dataDir: join(disk.dir, 'data') });
    return { t, disk, cleanup: async () => undefined };
  }
  // The tablespace must be on the server's machine, owned by the user the server runs as.
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  const dataDirectory = (await admin.query<{ data_directory: string }>('show data_directory')).rows[0]
    ?.data_directory as string;
  const { uid, gid } = statSync(dataDirectory);
  const disk = mountSmallDisk(16 << 20, { uid, gid });
  const tablespace = uniqueName('ts');
  await admin.query(`create tablespace ${tablespace} location '${disk.dir}'`);
  const t = await createTestCustos(backend);
  const schema = t.custos.store.schema as string;
  const tables = await admin.query<{ name: string }>(
    'select tablename as name from pg_tables where schemaname = $1',
    [schema],
  );
  for (const { name } of tables.rows) {
    await admin.query(`alter table "${schema}"."${name}" set tablespace ${tablespace}`);
  }
  const indexes = await admin.query<{ name: string }>(
    'select indexname as name from pg_indexes where schemaname = $1',
    [schema],
  );
  for (const { name } of indexes.rows) {
    await admin.query(`alter index "${schema}"."${name}" set tablespace ${tablespace}`);
  }
  return {
    t,
    disk,
    // Runs after Custos closed: the schema goes first (test schemas otherwise stay until the run
    // ends), which empties the tablespace.
    cleanup: async () => {
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.query(`drop tablespace if exists ${tablespace}`);
      await admin.end();
    },
  };
}

describe.each(backends)('a full disk on %s', (backend) => {
  let t: TestCustos | undefined;
  let disk: SmallDisk | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    disk?.free();
    await t?.dispose();
    await cleanup?.();
    disk?.remove();
    t = undefined;
    disk = undefined;
    cleanup = undefined;
  });

  it.skipIf(!canMountTmpfs)(
    'answers 503 storage.full, never 500 nor driver text, on every write; /readyz reports it until space is freed',
    async () => {
      ({ t, disk, cleanup } = await custosOnSmallDisk(backend));
      const { custos } = t;
      const admin: Person = await signedInPerson(custos, 'admin1', ['admin']);
      const serviceKey = (
        await custos.apiKeys.create({ name: 'tool', roles: ['service'], scopes: ['*'], createdBy: 'test' })
      ).token;
      const engineerId = (await addUser(custos, 'sam', ['engineer'])).id;
      const check = (subject: string) =>
        custos.api.app.inject({
          method: 'POST',
          url: '/v1/access/check',
          headers: { authorization: `Bearer ${serviceKey}` },
          payload: { actor: engineerId, subject, fields: ['identity.phone'], operation: 'read' },
        });
      expect((await custos.api.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

      disk.fill();
      // Writes that still fit in space the database holds already succeed; the first that needs
      // more fails. Each answer is either a success or 503 storage.full, with our words only.
      const refusedBy = new Map<string, string>();
      const successOrFull = (route: string, response: { statusCode: number; body: string }, ok: number) => {
        expect(response.statusCode, response.body).toBeOneOf([ok, 503]);
        expect(response.body).not.toMatch(driverText);
        if (response.statusCode === 503) refusedBy.set(route, JSON.parse(response.body).code);
        return response.statusCode === 503;
      };
      for (let i = 0; i < 300; i++) {
        const created = await callAs(custos, admin, 'POST', '/v1/users', {
          username: `user${i}-${'x'.repeat(50)}`,
          displayName: 'y'.repeat(120),
          roles: ['engineer'],
        });
        if (successOrFull('create user', created, 201)) break;
      }
      for (let i = 0; i < 300; i++) {
        if (successOrFull('access check', await check(`user-${i}`), 200)) break;
      }
      // A sign-in writes a session: it may still fit, and must not be a 500 if it does not.
      const login = await custos.api.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username: 'admin1', password: 'correct horse battery staple' },
      });
      successOrFull('sign in', login, 200);
      expect(refusedBy.get('create user')).toBe('storage.full');
      expect(refusedBy.get('access check')).toBe('storage.full');

      const unready = await custos.api.app.inject({ method: 'GET', url: '/readyz' });
      expect(unready.statusCode).toBe(503);
      expect(unready.body).not.toMatch(driverText);
      expect(unready.json()).toMatchObject({ code: 'storage.full' });
      expect(unready.json().details.failing).toContainEqual({
        component: 'store',
        code: 'storage.full',
        since: new Date(t.clock.now()).toISOString(),
      });

      disk.free();
      // Room again: writes go through, and once no write has failed for lack of space for the
      // hold time, the store is ready again.
      expect((await check('user-after')).statusCode).toBe(200);
      t.clock.advance(fullReportHoldMs);
      await vi.waitFor(
        async () =>
          expect((await custos.api.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200),
        { timeout: 15_000, interval: 200 },
      );
    },
    // A PostgreSQL schema moved into its own tablespace takes a while to set up.
    60_000,
  );
});

// The ledger's files are not in the store: a full ledger folder is the same on either backend.
describe('a full ledger folder', () => {
  let t: TestCustos | undefined;
  let disk: SmallDisk | undefined;
  afterEach(async () => {
    disk?.free();
    await t?.dispose();
    disk?.remove();
    t = undefined;
    disk = undefined;
  });

  it.skipIf(!canMountTmpfs)(
    'reports a full ledger folder on /readyz at once, as storage.full of the ledger tiles',
    async () => {
      // Only the ledger's files are on the small disk: the database keeps room.
      disk = mountSmallDisk(1 << 20);
      t = await createTestCustos('sqlite', {
        'ledger.dir': join(disk.dir, 'ledger'),
        'ledger.maxDelay': '20ms',
      });
      const { ledger } = t.custos;
      disk.fill();
      await ledger.append({ type: 'test.event', id: 'e1', body: 'x'.repeat(2000) });
      await vi.waitFor(() => expect(ledger.publication().unready).toBe(true), { timeout: 10_000 });
      const unready = await t.custos.api.app.inject({ method: 'GET', url: '/readyz' });
      expect(unready.statusCode).toBe(503);
      expect(unready.body).not.toMatch(driverText);
      expect(unready.json().details.failing).toEqual([
        { component: 'ledger.tiles', code: 'storage.full', since: new Date(t.clock.now()).toISOString() },
      ]);
      disk.free();
      await vi.waitFor(() => expect(ledger.publication().failure).toBeUndefined(), {
        timeout: 15_000,
        interval: 100,
      });
      expect((await t.custos.api.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      expect(ledger.sizes()).toEqual({ sequenced: 1, integrated: 1 });
    },
  );
});
