import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bulkInsertSql } from '../../src/store/bulk.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore, type Store } from '../../src/store/store.js';
import { backends, createTestStore, type TestStore } from '../support/services.js';

const columns = ['account', 'history', 'updated_at'];

/** `count` rows for accounts a0.. from `from`, each with `label` as its history. */
const rows = (from: number, count: number, label: string, at: number) =>
  Array.from({ length: count }, (_, i) => [`a${from + i}`, `${label}${from + i}`, at]);

async function read(store: Store) {
  const found = await store.db.selectFrom('ato_accounts').selectAll().orderBy('account').execute();
  return new Map(found.map((row) => [row.account, { history: row.history, at: Number(row.updated_at) }]));
}

/** The same upsert behaviour on every path a bulk insert can take. */
async function upsertsOn(store: Store): Promise<void> {
  await migrateToLatest(store);
  // 100 rows: one full chunk of 64 and a rest of 36.
  await store.insertMany([{ table: 'ato_accounts', columns, rows: rows(0, 100, 'first-', 1) }]);
  // Rows 50..149: 50 replace existing ones (history only, not the time), 50 are new.
  await store.insertMany([
    {
      table: 'ato_accounts',
      columns,
      rows: rows(50, 100, 'second-', 2),
      upsert: { key: ['account'], update: ['history'] },
    },
  ]);
  const found = await read(store);
  expect(found.size).toBe(150);
  expect(found.get('a49')).toEqual({ history: 'first-49', at: 1 });
  expect(found.get('a50')).toEqual({ history: 'second-50', at: 1 });
  expect(found.get('a99')).toEqual({ history: 'second-99', at: 1 });
  expect(found.get('a100')).toEqual({ history: 'second-100', at: 2 });
  // Without `upsert` the same rows still collide, and the whole batch is refused.
  await expect(
    store.insertMany([{ table: 'ato_accounts', columns, rows: rows(140, 20, 'third-', 3) }]),
  ).rejects.toThrow(/unique|duplicate|constraint/i);
  expect((await read(store)).size).toBe(150);
}

describe('bulk upserts', () => {
  it('write an ON CONFLICT clause naming the key and the replaced columns', () => {
    expect(
      bulkInsertSql(
        { table: 'ato_accounts', columns, upsert: { key: ['account'], update: ['history', 'updated_at'] } },
        2,
      ),
    ).toBe(
      'insert into "ato_accounts" ("account", "history", "updated_at") values (?, ?, ?), (?, ?, ?)' +
        ' on conflict ("account") do update set "history" = excluded."history", "updated_at" = excluded."updated_at"',
    );
  });

  describe.each(backends)('on %s', (backend) => {
    let t: TestStore | undefined;
    afterEach(async () => {
      await t?.dispose();
      t = undefined;
    });
    it('replace the named columns of rows whose key exists and insert the others', async () => {
      t = await createTestStore(backend, { migrate: false });
      await upsertsOn(t.store);
    });
  });

  it('behave the same on an in-memory SQLite store, which writes on its own connection', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'custos-bulk-'));
    const store = await openStore({ dataDir, sqliteFile: ':memory:' });
    try {
      await upsertsOn(store);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
