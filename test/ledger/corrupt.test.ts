import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { type BlobStore, createFsBlobStore } from '../../src/ledger/blobs.js';
import { loadOrCreateLogKey } from '../../src/ledger/keys.js';
import { createLedger, type Ledger } from '../../src/ledger/ledger.js';
import { defaultLedgerTuning, openLocalLedger } from '../../src/ledger/open.js';
import { verifyRecordProof } from '../../src/ledger/recordproof.js';
import { backends, createTestStore, type TestStore } from '../support/services.js';

const origin = 'custos.test/corrupt';

/** A logger whose error lines the test can read. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'error', pretty: false, destination }), lines };
}

async function openLedger(t: TestStore, logger = capturingLogger().logger): Promise<Ledger> {
  const { ledger } = await openLocalLedger({
    store: t.store,
    clock: createManualClock(),
    logger,
    origin,
    dir: join(t.dataDir, 'ledger'),
    keyFile: join(t.dataDir, 'keys', 'ledger.skey'),
    tuning: { maxDelayMs: 20, maxBatch: 4096, maxGroup: 2048, tileCacheSize: 64 },
  });
  return ledger;
}

function flipByte(file: string, offset: number): void {
  const bytes = readFileSync(file);
  bytes[offset] = (bytes[offset] as number) ^ 0x01;
  writeFileSync(file, bytes);
}

describe.each(backends)('a corrupt ledger on %s', (backend) => {
  let t: TestStore;
  let ledger: Ledger | undefined;
  const tileDir = () => join(t.dataDir, 'ledger', 'tile');

  beforeEach(async () => {
    t = await createTestStore(backend);
  });
  afterEach(async () => {
    await ledger?.close();
    ledger = undefined;
    await t.dispose();
  });

  /** 300 records, one entry each, integrated; the ledger is closed again. */
  async function logThreeHundred(): Promise<void> {
    const first = await openLedger(t);
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => first.append({ type: 'test.event', id: `e_${i}`, body: { i } })),
    );
    await first.awaitIntegration(Math.max(...results.map((r) => r.index)));
    await first.close();
  }

  it('answers a proof request over a corrupt tile hash with ledger.corrupt and logs it, instead of a proof that cannot verify', async () => {
    await logThreeHundred();
    // Leaf hash 2 of the first full tile: part of leaf 3's proof, but not of the right edge a
    // restart checks against the checkpoint, so only the proof can notice it.
    flipByte(join(tileDir(), '0', '000'), 2 * 32);
    const { logger, lines } = capturingLogger();
    ledger = await openLedger(t, logger);
    const row = await t.store.db
      .selectFrom('ledger_records')
      .select('idx')
      .where('record_id', '=', 'e_3')
      .executeTakeFirstOrThrow();
    expect(Number(row.idx)).toBe(3);
    await expect(ledger.prove('test.event', 'e_3')).rejects.toMatchObject({ code: 'ledger.corrupt' });
    expect(lines.map((l) => l.msg)).toContainEqual(
      expect.stringMatching(/^ledger corrupt: .*checkpoint root/),
    );
    // Records whose proofs do not touch the bad hash are still proven.
    const other = await ledger.prove('test.event', 'e_299');
    expect(verifyRecordProof(other, ledger.vkey).size).toBe(300);
  });

  it('answers a proof request with ledger.corrupt when the stored records do not hash to their batch entry', async () => {
    const { logger, lines } = capturingLogger();
    ledger = await openLedger(t, logger);
    const results = await Promise.all(
      ['b_0', 'b_1', 'b_2'].map((id) =>
        (ledger as Ledger).append({ type: 'test.event', id, body: { id } }, { batchable: true }),
      ),
    );
    expect(results.map((r) => r.batch?.count)).toEqual([3, 3, 3]);
    await t.store.db
      .updateTable('ledger_records')
      .set({ commitment: 'ab'.repeat(32) })
      .where('record_id', '=', 'b_1')
      .execute();
    await expect(ledger.prove('test.event', 'b_0')).rejects.toMatchObject({ code: 'ledger.corrupt' });
    expect(lines.map((l) => l.msg)).toContainEqual(expect.stringMatching(/^ledger corrupt: .*batch entry/));
  });

  it('refuses to start on an undecodable partial entry bundle with ledger.corrupt', async () => {
    await logThreeHundred();
    // 300 = 256 + 44: the partial bundle carries entries 256..299. Cut it in the middle of one.
    const bundle = join(tileDir(), 'entries', '001.p', '44');
    writeFileSync(bundle, readFileSync(bundle).subarray(0, 150));
    await expect(openLedger(t)).rejects.toMatchObject({
      code: 'ledger.corrupt',
      message: expect.stringContaining('tile/entries/001.p/44 is corrupt'),
    });
  });

  it('refuses to start on a partial entry bundle whose entries are not those of the level-0 tile', async () => {
    await logThreeHundred();
    const bundle = join(tileDir(), 'entries', '001.p', '44');
    // Inside the first entry's text, past its 2-byte length: still decodable, but another entry.
    flipByte(bundle, 10);
    await expect(openLedger(t)).rejects.toMatchObject({
      code: 'ledger.corrupt',
      message: expect.stringContaining('entry 0 does not hash to its level-0 tile hash'),
    });
  });
});

describe('ledger integration after a failed step', () => {
  it('rebuilds its state before going on when the reload after a failed step fails too, and logs both', async () => {
    const t = await createTestStore('sqlite');
    const fs = createFsBlobStore(join(t.dataDir, 'ledger'));
    // The checkpoint read that follows the failed step fails once (a disk hiccup).
    let failNextCheckpointRead = false;
    const blobs: BlobStore = {
      ...fs,
      read: async (path) => {
        if (path === 'checkpoint' && failNextCheckpointRead) {
          failNextCheckpointRead = false;
          throw new Error('EIO: i/o error, read');
        }
        return fs.read(path);
      },
    };
    let cosignCalls = 0;
    const keys = loadOrCreateLogKey(join(t.dataDir, 'keys', 'ledger.skey'), origin);
    const { logger, lines } = capturingLogger();
    const ledger = createLedger({
      store: t.store,
      blobs,
      clock: createManualClock(),
      logger,
      options: {
        ...defaultLedgerTuning,
        maxDelayMs: 5,
        origin,
        signer: keys.signer,
        verifier: keys.verifier,
        vkey: keys.vkey,
        // The first non-empty checkpoint fails after its tiles were written, as an unreachable
        // witness quorum would; its entries stay sequenced but unpublished.
        cosign: async (note) => {
          cosignCalls++;
          if (cosignCalls === 1) {
            failNextCheckpointRead = true;
            throw new Error('no witness quorum');
          }
          return note;
        },
      },
    });
    try {
      await ledger.start();
      const { index } = await ledger.append({ type: 'test.event', id: 'x_1', body: 1 });
      // Nothing else is appended: only a retry can publish this entry.
      await ledger.awaitIntegration(index, 10_000);
      expect(ledger.sizes()).toEqual({ sequenced: 1, integrated: 1 });
      expect(verifyRecordProof(await ledger.prove('test.event', 'x_1'), ledger.vkey).size).toBe(1);
      const failures = lines.filter(
        (l) => l.msg === 'ledger integration failed; will retry from the last checkpoint',
      );
      expect(failures.map((l) => (l.err as { message: string }).message)).toEqual([
        'no witness quorum',
        'EIO: i/o error, read',
      ]);
    } finally {
      await ledger.close();
      await t.dispose();
    }
  });
});

describe('a program that awaits a proof', () => {
  it('stays alive until the proof is ready, with no server socket holding the event loop open', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'custos-exit-'));
    try {
      const child = spawn(
        process.execPath,
        [join(import.meta.dirname, 'fixtures', 'prove-and-exit.mjs'), dataDir],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      // Node exits with 13 when the event loop empties while a top-level await is unsettled.
      expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: 'proved 0\n', stderr: '' });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
