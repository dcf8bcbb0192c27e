import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditLedger } from '../../src/ledger/audit.js';
import { createFsBlobStore } from '../../src/ledger/blobs.js';
import { parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { createTileCache } from '../../src/ledger/tilecache.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/store.js';
import { openTestLedger } from '../support/ledger.js';

// At least 50 kills, as the ledger issue asks; CUSTOS_CRASH_ROUNDS raises it for a longer soak.
const rounds = Math.max(50, Number(process.env.CUSTOS_CRASH_ROUNDS ?? 50));
const child = join(import.meta.dirname, 'fixtures', 'append-forever.mjs');
const origin = 'custos.test/crash';

/** Runs the appender until it is ready, lets it work a random while, then SIGKILLs it. */
function runAndKill(dataDir: string, round: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const acked = new Map<string, number>();
    const proc = spawn(process.execPath, [child, dataDir, String(round), origin], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') setTimeout(() => proc.kill('SIGKILL'), 10 + Math.floor(Math.random() * 300));
        const match = /^ack (\d+) (\S+)$/.exec(line);
        if (match) acked.set(match[2] as string, Number(match[1]));
      }
    });
    proc.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`appender exited by itself (round ${round}): ${stderr}`));
    });
  });
}

describe('ledger durability under SIGKILL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-crash-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(`loses no acknowledged entry and always restarts to a log that verifies (${rounds} kills)`, async () => {
    const allAcked = new Map<string, number>();
    let totalEntries = 0;
    for (let round = 0; round < rounds; round++) {
      const acked = await runAndKill(dataDir, round);
      for (const [id, index] of acked) allAcked.set(id, index);

      const store = await openStore({ dataDir });
      await migrateToLatest(store);
      const ledger = await openTestLedger(
        store,
        dataDir,
        { maxDelayMs: 5, maxGroup: 64, tileCacheSize: 64 },
        origin,
      );
      const blobs = createFsBlobStore(join(dataDir, 'ledger'));
      // Opening checks the published checkpoint against its tiles and fails on any mismatch.
      const { sequenced } = ledger.sizes();
      if (sequenced > 0) await ledger.awaitIntegration(sequenced - 1);
      const size = parseCheckpoint(ledger.checkpoint().split('\n\n')[0]?.concat('\n') ?? '').size;
      expect(size, `round ${round}`).toBe(sequenced);
      expect(sequenced, `round ${round}: the log never shrinks`).toBeGreaterThanOrEqual(totalEntries);
      totalEntries = sequenced;

      const rows = await store.db.selectFrom('ledger_records').select(['record_id', 'idx']).execute();
      const stored = new Map(rows.map((r) => [r.record_id, Number(r.idx)]));
      for (const [id, index] of allAcked)
        expect(stored.get(id), `round ${round}: acknowledged ${id}`).toBe(index);

      const report = await auditLedger({
        store,
        blobs,
        tiles: createTileCache(blobs, 16),
        integratedSize: size,
      });
      expect(report.problems, `round ${round}`).toEqual([]);
      await ledger.close();
      await store.close();
    }
    expect(allAcked.size).toBeGreaterThan(rounds);
  }, 300_000);
});
