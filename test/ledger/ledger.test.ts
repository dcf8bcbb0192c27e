import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { parseCheckpoint } from '../../src/ledger/checkpoint.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { openLocalLedger } from '../../src/ledger/open.js';
import { verifyRecordProof } from '../../src/ledger/recordproof.js';
import { openTestLedger } from '../support/ledger.js';
import { backends, createTestStore, type TestStore } from '../support/services.js';

function checkpointSize(note: string): number {
  return parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1)).size;
}

describe.each(backends)('ledger append, integration and proofs on %s', (backend) => {
  let t: TestStore;
  let ledger: Ledger;
  beforeEach(async () => {
    t = await createTestStore(backend);
    ledger = await openTestLedger(t.store, t.dataDir);
  });
  afterEach(async () => {
    await ledger.close();
    await t.dispose();
  });

  it('sequences concurrent appends into consecutive indexes and integrates them into a signed checkpoint', async () => {
    const results = await Promise.all(
      Array.from({ length: 700 }, (_, i) =>
        ledger.append({ type: 'test.event', id: `evt_${i}`, body: { n: i } }),
      ),
    );
    const indexes = results.map((r) => r.index).sort((a, b) => a - b);
    expect(indexes).toEqual(Array.from({ length: 700 }, (_, i) => i));
    await ledger.awaitIntegration(699);
    expect(checkpointSize(ledger.checkpoint())).toBe(700);
    expect(ledger.sizes()).toEqual({ sequenced: 700, integrated: 700 });
  });

  it('keeps integrating while callers append without pause (commits yield to the event loop)', async () => {
    // Each caller appends again as soon as its previous append resolves, as a busy service does.
    // Were group commits chained through promises alone, no checkpoint would be published until
    // the callers stopped.
    let stop = false;
    let appended = 0;
    const callers = Array.from({ length: 32 }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        await ledger.append({ type: 'test.event', id: `evt_${c}_${i}`, body: { c, i } });
        appended++;
      }
    });
    await ledger.awaitIntegration(999, 60_000).finally(() => {
      stop = true;
    });
    await Promise.all(callers);
    expect(ledger.sizes().integrated).toBeGreaterThanOrEqual(1000);
    expect(appended).toBeGreaterThan(ledger.sizes().integrated - 1);
  });

  it('proves a logged record against the checkpoint, and the proof fails for another record', async () => {
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        ledger.append({ type: 'test.event', id: `evt_${i}`, body: { n: i } }),
      ),
    );
    // A proof is against the newest checkpoint holding the record; under load the integrator may
    // have published one of 150 first. Wait for the one holding all 300, which the test checks.
    await ledger.awaitIntegration(299);
    const proof = await ledger.prove('test.event', 'evt_123');
    const stored = await ledger.record('test.event', 'evt_123');
    const result = verifyRecordProof(proof, ledger.vkey, {
      canonical: stored?.body as string,
      salt: stored?.salt as string,
    });
    expect(result.size).toBe(300);
    expect(() =>
      verifyRecordProof(proof, ledger.vkey, { canonical: '{"n":124}', salt: stored?.salt as string }),
    ).toThrow(/do not match the commitment/);
    expect(() => verifyRecordProof({ ...proof, index: 124 }, ledger.vkey)).toThrow();
  });

  it('puts batchable records committed together into one batch entry with per-record proofs', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ledger.append({ type: 'test.check', id: `chk_${i}`, body: { i } }, { batchable: true }),
      ),
    );
    const batched = results.filter((r) => r.batch);
    expect(batched.length).toBeGreaterThan(1);
    const entries = new Set(results.map((r) => r.index));
    expect(entries.size).toBeLessThan(50);
    const proof = await ledger.prove('test.check', 'chk_7');
    const stored = await ledger.record('test.check', 'chk_7');
    expect(() =>
      verifyRecordProof(proof, ledger.vkey, {
        canonical: stored?.body as string,
        salt: stored?.salt as string,
      }),
    ).not.toThrow();
  });

  it('keeps a proof verifiable after the record is erased', async () => {
    await ledger.append({ type: 'test.event', id: 'evt_secret', body: { phone: '+15550100' } });
    expect(await ledger.erase('test.event', 'evt_secret')).toBe(true);
    const stored = await ledger.record('test.event', 'evt_secret');
    expect(stored?.body).toBeNull();
    expect(stored?.salt).toBeNull();
    const proof = await ledger.prove('test.event', 'evt_secret');
    expect(() => verifyRecordProof(proof, ledger.vkey)).not.toThrow();
  });

  it('resumes after a restart with the same tree and keeps growing it', async () => {
    await Promise.all(
      Array.from({ length: 600 }, (_, i) => ledger.append({ type: 'test.event', id: `a_${i}`, body: i })),
    );
    await ledger.awaitIntegration(599);
    const before = ledger.checkpoint();
    await ledger.close();
    ledger = await openTestLedger(t.store, t.dataDir);
    expect(ledger.checkpoint()).toBe(before);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => ledger.append({ type: 'test.event', id: `b_${i}`, body: i })),
    );
    await ledger.awaitIntegration(699);
    expect(checkpointSize(ledger.checkpoint())).toBe(700);
    const proof = await ledger.prove('test.event', 'a_5');
    expect(verifyRecordProof(proof, ledger.vkey).size).toBe(700);
  });

  it('leaves no gap in the log when a commit fails while others are in flight', async () => {
    // A row riding along with a record breaks its group's transaction (the disclosure id is
    // taken), in the middle of a stream of appends from 64 callers.
    const disclosure = (recordId: string) => ({
      table: 'access_disclosures' as const,
      columns: ['record_id', 'subject_id', 'at', 'visible_from'],
      values: [recordId, 'u1', 1, 1],
    });
    await ledger.append(
      { type: 'test.event', id: 'first', body: 0 },
      { alsoInsert: disclosure('dsc_taken') },
    );
    const outcomes = await Promise.all(
      Array.from({ length: 64 }, async (_, caller) => {
        const results: ('ok' | 'failed')[] = [];
        for (let i = 0; i < 40; i++) {
          const clash = caller === 7 && i === 20;
          const appended = ledger.append(
            { type: 'test.event', id: `evt_${caller}_${i}`, body: { caller, i } },
            { batchable: i % 2 === 0, ...(clash ? { alsoInsert: disclosure('dsc_taken') } : {}) },
          );
          results.push(
            await appended.then(
              () => 'ok' as const,
              () => 'failed' as const,
            ),
          );
        }
        return results;
      }),
    );
    const all = outcomes.flat();
    expect(outcomes[7]?.[20]).toBe('failed');
    expect(all.filter((o) => o === 'ok').length).toBeGreaterThan(2000);
    // Every entry the store holds is contiguous from 0, and the integrator takes them all.
    const { sequenced } = ledger.sizes();
    const rows = await t.store.db.selectFrom('ledger_entries').select('idx').orderBy('idx').execute();
    expect(rows.map((r) => Number(r.idx))).toEqual(Array.from({ length: sequenced }, (_, i) => i));
    await ledger.awaitIntegration(sequenced - 1);
    expect(checkpointSize(ledger.checkpoint())).toBe(sequenced);
    // What failed was not recorded; what succeeded proves, before and after the failure.
    await expect(ledger.record('test.event', 'evt_7_20')).resolves.toBeUndefined();
    for (const id of ['evt_7_19', 'evt_7_21', 'evt_63_39']) {
      expect(verifyRecordProof(await ledger.prove('test.event', id), ledger.vkey).size).toBe(sequenced);
    }
  });

  it('refuses invalid records without failing the others in the same group', async () => {
    const outcomes = await Promise.allSettled([
      ledger.append({ type: 'test.event', id: 'ok_1', body: 1 }),
      ledger.append({ type: 'Bad Type', id: 'x', body: 1 }),
      ledger.append({ type: 'test.event', id: 'has space', body: 1 }),
      ledger.append({ type: 'test.event', id: 'ok_2', body: 2 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
  });
  it('refuses bodies that are not JSON, or too large, and commits the rest of their group', async () => {
    const good = (id: string, batchable: boolean) =>
      ledger.append({ type: 'test.event', id, body: { id } }, { batchable });
    const outcomes = await Promise.allSettled([
      good('g_1', true),
      ledger.append({ type: 'test.event', id: 'nan', body: { n: Number.NaN } }, { batchable: true }),
      good('g_2', false),
      ledger.append({ type: 'test.event', id: 'fn', body: { f: () => 1 } }),
      ledger.append({ type: 'test.event', id: 'big', body: 'x'.repeat(300 * 1024) }, { batchable: true }),
      good('g_3', true),
      good('g_4', false),
      ledger.append({ type: 'test.event', id: 'word', body: { note: 'undefined is a word' } }),
      // biome-ignore lint/suspicious/noSparseArray: a hole is what this record must be refused for
      ledger.append({ type: 'test.event', id: 'hole', body: { list: [, 1] } }),
      ledger.append({ type: 'test.event', id: 'fn_in_list', body: { list: [() => 1, 2] } }),
      ledger.append({ type: 'test.event', id: 'big_int', body: { n: 10n } }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
    ]);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected')
        expect(outcome.reason).toMatchObject({ code: 'ledger.invalid_record' });
    }
    const { sequenced } = ledger.sizes();
    const rows = await t.store.db.selectFrom('ledger_entries').select('idx').orderBy('idx').execute();
    expect(rows.map((r) => Number(r.idx))).toEqual(Array.from({ length: sequenced }, (_, i) => i));
    for (const id of ['g_1', 'g_2', 'g_3', 'g_4', 'word']) {
      expect(verifyRecordProof(await ledger.prove('test.event', id), ledger.vkey).size).toBe(sequenced);
    }
    await expect(ledger.record('test.event', 'nan')).resolves.toBeUndefined();
  });
});

describe('ledger proofs while a checkpoint is being published', () => {
  it('waits for the checkpoint that covers the record instead of proving against an older one', async () => {
    const t = await createTestStore('sqlite');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let publishing = false;
    const { ledger } = await openLocalLedger({
      store: t.store,
      clock: createManualClock(),
      logger: createLogger({ level: 'silent', pretty: false }),
      origin: 'custos.test/slow',
      dir: join(t.dataDir, 'ledger'),
      keyFile: join(t.dataDir, 'keys', 'ledger.skey'),
      tuning: { maxDelayMs: 5 },
      // Holds the first non-empty checkpoint back, as slow witnesses would.
      cosign: async (note) => {
        publishing = true;
        await gate;
        return note;
      },
    });
    try {
      const { index } = await ledger.append({ type: 'test.event', id: 'slow_1', body: 1 });
      await vi.waitFor(() => expect(publishing).toBe(true));
      const proving = ledger.prove('test.event', 'slow_1');
      release();
      const proof = await proving;
      expect(proof.index).toBe(index);
      expect(verifyRecordProof(proof, ledger.vkey).size).toBe(1);
    } finally {
      await ledger.close();
      await t.dispose();
    }
  });
});

describe('ledger integration pace', () => {
  it('lets entries gather for maxDelay, but integrates at once for whoever waits on a proof', async () => {
    const t = await createTestStore('sqlite');
    // A delay no test outlives: only a waiter can get these entries into a checkpoint.
    const ledger = await openTestLedger(t.store, t.dataDir, { maxDelayMs: 3_600_000 });
    try {
      await ledger.append({ type: 'test.event', id: 'evt_first', body: 1 });
      const { index } = await ledger.append({ type: 'test.event', id: 'evt_second', body: 2 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(ledger.sizes()).toEqual({ sequenced: 2, integrated: 0 });
      const proof = await ledger.prove('test.event', 'evt_second');
      expect(proof.index).toBe(index);
      expect(verifyRecordProof(proof, ledger.vkey).size).toBe(2);
    } finally {
      await ledger.close();
      await t.dispose();
    }
  });
});
