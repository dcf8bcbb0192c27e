import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createSqliteWriter } from '../../src/store/sqlite-writer.js';
import { openStore, type Store } from '../../src/store/store.js';

describe('the SQLite writer thread', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'custos-writer-'));
    store = await openStore({ dataDir: dir });
    await migrateToLatest(store);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const entries = (from: number, count: number) => ({
    table: 'ledger_entries' as const,
    columns: ['idx', 'entry', 'created_at'],
    rows: Array.from({ length: count }, (_, i) => [from + i, `entry ${from + i}`, 1]),
  });
  const count = async () =>
    Number(
      (
        await store.db
          .selectFrom('ledger_entries')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst()
      )?.n,
    );

  it('commits each batch as one transaction that the store reads at once, in chunks of any size', async () => {
    await store.insertMany([entries(0, 1), entries(1, 150)]);
    expect(await count()).toBe(151);
    const last = await store.db
      .selectFrom('ledger_entries')
      .select('entry')
      .where('idx', '=', 150)
      .executeTakeFirst();
    expect(last?.entry).toBe('entry 150');
  });

  it('rejects a failing batch whole, keeps nothing of it, and goes on with the next', async () => {
    await store.insertMany([entries(0, 10)]);
    // Rows 5..14 collide with 5..9: the whole batch, including 10..14, is rolled back.
    await expect(store.insertMany([entries(5, 10)])).rejects.toThrow(/UNIQUE|constraint/i);
    expect(await count()).toBe(10);
    await store.insertMany([entries(10, 5)]);
    expect(await count()).toBe(15);
  });

  it('fails a batch chained after a failed one, without writing it, and runs unchained ones', async () => {
    const writer = createSqliteWriter(join(dir, 'custos.db'), 64);
    await writer.insertMany([entries(0, 5)]);
    const failing = writer.insertMany([entries(0, 1)]);
    const chained = writer.insertMany([entries(100, 5)], { afterPrevious: true });
    const alsoChained = writer.insertMany([entries(200, 5)], { afterPrevious: true });
    const fresh = writer.insertMany([entries(300, 5)]);
    await expect(failing).rejects.toThrow(/UNIQUE|constraint/i);
    await expect(chained).rejects.toThrow(/earlier batch/);
    await expect(alsoChained).rejects.toThrow(/earlier batch/);
    await fresh;
    await writer.close();
    expect(await count()).toBe(10);
  });

  it('fails closed, and says why, when its thread cannot work', async () => {
    const writer = createSqliteWriter(join(dir, 'missing', 'folder', 'custos.db'), 64);
    await expect(writer.insertMany([entries(0, 1)])).rejects.toThrow();
    expect(writer.failure?.message).toMatch(/directory|open/i);
    await expect(writer.insertMany([entries(1, 1)])).rejects.toBe(writer.failure);
    await writer.close();
  });

  it('finishes queued batches before it closes, and refuses work after', async () => {
    const writer = createSqliteWriter(join(dir, 'custos.db'), 64);
    const pending = Array.from({ length: 20 }, (_, i) => writer.insertMany([entries(1000 + i * 10, 10)]));
    await writer.close();
    await Promise.all(pending);
    expect(await count()).toBe(200);
    await expect(writer.insertMany([entries(5000, 1)])).rejects.toMatchObject({ code: 'store.unavailable' });
  });
});
