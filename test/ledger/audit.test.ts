import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLedger } from '../../src/ledger/audit.js';
import { createFsBlobStore } from '../../src/ledger/blobs.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createTileCache } from '../../src/ledger/tilecache.js';
import { openTestLedger } from '../support/ledger.js';
import { backends, createTestStore, type TestStore } from '../support/services.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe.each(backends)('ledger audit on %s', (backend) => {
  let t: TestStore;
  let ledger: Ledger;
  const audit = () => {
    const blobs = createFsBlobStore(join(t.dataDir, 'ledger'));
    return auditLedger({
      store: t.store,
      blobs,
      tiles: createTileCache(blobs, 16),
      integratedSize: ledger.sizes().integrated,
    });
  };

  beforeEach(async () => {
    t = await createTestStore(backend);
    ledger = await openTestLedger(t.store, t.dataDir);
    const results = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        ledger.append(
          { type: 'test.event', id: `e_${i}`, body: { who: `u${i}` } },
          { batchable: i % 4 === 0 },
        ),
      ),
    );
    await ledger.awaitIntegration(Math.max(...results.map((r) => r.index)));
  });
  afterEach(async () => {
    await ledger.close();
    await t.dispose();
  });

  it('passes on an untouched ledger and counts erased records without failing', async () => {
    await ledger.erase('test.event', 'e_3');
    const report = await audit();
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, records: 400, erased: 1 });
  });

  it('catches a stored record edited after it was logged', async () => {
    await t.store.db
      .updateTable('ledger_records')
      .set({ body: JSON.stringify({ who: 'someone else' }) })
      .where('record_id', '=', 'e_10')
      .execute();
    const report = await audit();
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ record: 'test.event/e_10' }));
  });

  it('catches a stored entry rewritten to commit to another record', async () => {
    const row = await t.store.db
      .selectFrom('ledger_records')
      .select('idx')
      .where('record_id', '=', 'e_21')
      .executeTakeFirstOrThrow();
    await t.store.db
      .updateTable('ledger_entries')
      .set({ entry: `custos.record/v1\ntest.event\ne_21\n${'0'.repeat(64)}\n` })
      .where('idx', '=', Number(row.idx))
      .execute();
    const report = await audit();
    expect(report.problems.map((p) => p.index)).toContain(Number(row.idx));
  });

  it('reports an entry bundle that cannot be decoded as corrupt, not as missing', async () => {
    // 300 records are logged alone, so the first bundle is full.
    expect(ledger.sizes().integrated).toBeGreaterThanOrEqual(256);
    const path = 'tile/entries/000';
    const file = join(t.dataDir, 'ledger', path);
    // Cut in the middle of an entry: the length prefix promises more bytes than remain.
    writeFileSync(file, readFileSync(file).subarray(0, 40));
    const report = await audit();
    expect(report.ok).toBe(false);
    const messages = report.problems.map((p) => p.message);
    expect(messages).toContainEqual(expect.stringMatching(new RegExp(`^${path} is corrupt: .*truncated`)));
    expect(messages.filter((m) => /missing/.test(m))).toEqual([]);
  });

  it('catches any single flipped byte in the entry bundles and level-0 tiles of the current tree', async () => {
    const dir = join(t.dataDir, 'ledger');
    const size = ledger.sizes().integrated;
    // The files the current tree is made of: full ones, and the partial ones of this size.
    // Partial files left from older checkpoints are outside the tree; `ledger verify` checks those.
    const current = (path: string) => !path.includes('.p/') || path.endsWith(`.p/${size % 256}`);
    const targets = files(dir)
      .map((f) => relative(dir, f))
      .filter((path) => /^tile\/(entries|0)\//.test(path) && current(path));
    expect(targets.length).toBeGreaterThanOrEqual(2);
    for (const path of targets) {
      const file = join(dir, path);
      const original = readFileSync(file);
      for (const offset of [0, Math.floor(original.length / 2), original.length - 1]) {
        const flipped = Buffer.from(original);
        flipped[offset] = (flipped[offset] as number) ^ 0x01;
        writeFileSync(file, flipped);
        const report = await audit();
        writeFileSync(file, original);
        expect(report.ok, `${path} byte ${offset}`).toBe(false);
      }
    }
    expect((await audit()).ok).toBe(true);
  });
});
