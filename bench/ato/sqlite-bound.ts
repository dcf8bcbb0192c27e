// The floor SQLite itself sets on recording decisions: the rows the ledger writes for a batch of
// decisions (one batch entry, one record row per decision with its canonical body) and their
// search rows, written with better-sqlite3 prepared statements straight into a fresh store of
// Custos's own schema, one transaction per group, with the pragmas of the ledger's writer thread.
// No sealing, no thread hand-off, no Custos code on the path: what is left is SQLite's B-trees,
// the WAL and the fsync of each commit.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/store.js';
import { type CpuTime, cpuNow, cpuPer } from './cpu.js';

export interface SqliteBound {
  rate: number;
  cpu: CpuTime;
}

/**
 * Writes `bodies.length` decision records in groups of `group`, with their search rows when
 * `searchRows` holds them (in `decisionIndexColumns` order, record id first), in a store in `dir`,
 * which is removed afterwards.
 */
export async function sqliteBound(input: {
  dir: string;
  bodies: readonly string[];
  searchColumns: readonly string[];
  searchRows?: readonly (readonly unknown[])[];
  group: number;
}): Promise<SqliteBound> {
  const { dir, bodies, searchRows, group } = input;
  const store = await openStore({ dataDir: dir });
  await migrateToLatest(store);
  await store.close();
  const db = new Database(join(dir, 'custos.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -65536');
  const entry = db.prepare('insert into ledger_entries (idx, entry, created_at) values (?, ?, ?)');
  const record = db.prepare(
    'insert into ledger_records (record_type, record_id, idx, position, salt, body, commitment, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const search = db.prepare(
    `insert into ato_decisions (${input.searchColumns.join(', ')}) values (${input.searchColumns.map(() => '?').join(', ')})`,
  );
  const hex = randomBytes(32).toString('hex');
  const write = db.transaction((from: number, to: number) => {
    const now = Date.now();
    entry.run(from, `custos.batch/v1\n${to - from}\n${hex}\n`, now);
    for (let i = from; i < to; i++) {
      const row = searchRows?.[i];
      const id = row ? (row[0] as string) : `atd_bound_${i}`;
      record.run('ato.decision', id, from, i - from, hex, bodies[i], hex, now);
      if (row) search.run(...row);
    }
  });
  const begin = process.hrtime.bigint();
  const from = cpuNow();
  for (let i = 0; i < bodies.length; i += group) write.immediate(i, Math.min(bodies.length, i + group));
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  const cpu = cpuPer(from, cpuNow(), bodies.length);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate: bodies.length / seconds, cpu };
}
