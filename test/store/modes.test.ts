import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/store.js';
import { createTestCustos, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

/** The permission bits of a file or folder, as `0o…` text for readable failures. */
function modeOf(path: string): string {
  return `0o${(statSync(path).mode & 0o777).toString(8)}`;
}

// Permissive masks, under which files created without an explicit mode are readable by others.
describe.each([
  ['022', 0o022],
  ['000', 0o000],
])('files Custos creates under umask %s', (_label, mask) => {
  let root: string;
  let savedMask: number;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'custos-modes-'));
    savedMask = process.umask(mask);
  });
  afterEach(() => {
    process.umask(savedMask);
    rmSync(root, { recursive: true, force: true });
  });

  it('SQLite opens in a new data folder of mode 0700, with custos.db, -wal and -shm of mode 0600', async () => {
    const dataDir = join(root, 'custos-data');
    const store = await openStore({ dataDir });
    try {
      await migrateToLatest(store);
      // A bulk insert goes through the writer thread's own connection.
      await store.insertMany([
        { table: 'shared_secrets', columns: ['name', 'value', 'created_at'], rows: [['modes', 'x', 1]] },
      ]);
      const db = join(dataDir, 'custos.db');
      expect(existsSync(`${db}-wal`)).toBe(true);
      expect(existsSync(`${db}-shm`)).toBe(true);
      expect({
        folder: modeOf(dataDir),
        db: modeOf(db),
        wal: modeOf(`${db}-wal`),
        shm: modeOf(`${db}-shm`),
      }).toEqual({ folder: '0o700', db: '0o600', wal: '0o600', shm: '0o600' });
    } finally {
      await store.close();
    }
  });

  describe.each(backends)('a whole Custos on %s', (backend) => {
    let t: TestCustos | undefined;
    afterEach(async () => {
      await t?.dispose();
      t = undefined;
    });

    it('keeps its data folder 0700 and its keys 0600, even when the ledger is the first to write there', async () => {
      const dataDir = join(root, 'custos-data');
      // With the ledger key elsewhere, on PostgreSQL the tiles folder is the first thing in dataDir.
      const keyFile = join(root, 'elsewhere', 'ledger.skey');
      t = await createTestCustos(backend, { dataDir, 'ledger.keyFile': keyFile });
      expect(modeOf(dataDir)).toBe('0o700');
      expect(modeOf(keyFile)).toBe('0o600');
      expect(existsSync(join(dataDir, 'ledger'))).toBe(true);
      if (backend === 'sqlite') expect(modeOf(join(dataDir, 'custos.db'))).toBe('0o600');
    });
  });
});
