import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveInclusion, verifyProof } from '../../src/ledger/proof.js';
import { openSource } from '../../src/ledger/source.js';
import { verifyLog } from '../../src/ledger/verify.js';
import { createTestCustos, type TestCustos } from '../support/app.js';

describe('a log written by Custos, as an outside auditor sees it', () => {
  let t: TestCustos;
  let url: string;
  const copy = mkdtempSync(join(tmpdir(), 'custos-ledger-copy-'));

  beforeAll(async () => {
    t = await createTestCustos('sqlite', {
      'ledger.maxDelay': '20ms',
      'ledger.origin': 'custos.test/served',
    });
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        t.custos.ledger.append({ type: 'test.event', id: `e_${i}`, body: { i } }, { batchable: i % 3 === 0 }),
      ),
    );
    await t.custos.ledger.awaitIntegration(Math.max(...results.map((r) => r.index)));
    url = await t.custos.api.app.listen({ host: '127.0.0.1', port: 0 });
    cpSync(join(t.custos.config.dataDir, 'ledger'), copy, { recursive: true });
  });
  afterAll(async () => {
    await t.dispose();
    rmSync(copy, { recursive: true, force: true });
  });

  it('verifies from a copy of the ledger folder', async () => {
    const result = await verifyLog(openSource(copy), { vkey: t.custos.ledger.vkey });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.size).toBe(t.custos.ledger.sizes().integrated);
  });

  it('verifies from the /ledger/ URL that custos serve publishes', async () => {
    const result = await verifyLog(openSource(`${url}/ledger/`), { vkey: t.custos.ledger.vkey });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('serves the verifier key and refuses paths outside the tlog-tiles layout', async () => {
    const info = (await (await fetch(`${url}/v1/ledger`)).json()) as { vkey: string; origin: string };
    expect(info).toMatchObject({ vkey: t.custos.ledger.vkey, origin: 'custos.test/served' });
    for (const path of ['../custos.db', 'tile/0/1', 'tile/0/x001', 'keys/ledger.skey', '%2e%2e/custos.db']) {
      expect((await fetch(`${url}/ledger/${path}`)).status, path).toBe(404);
    }
    const checkpoint = await fetch(`${url}/ledger/checkpoint`);
    expect(checkpoint.headers.get('content-type')).toContain('text/plain');
  });

  it('gives a C2SP tlog-proof over HTTP that verifies offline', async () => {
    const proof = await proveInclusion(openSource(`${url}/ledger/`), 17);
    const entry = (
      await t.custos.store.db
        .selectFrom('ledger_entries')
        .select('entry')
        .where('idx', '=', 17)
        .executeTakeFirstOrThrow()
    ).entry;
    const verified = verifyProof(proof.text, { vkey: t.custos.ledger.vkey, entry: Buffer.from(entry) });
    expect(verified).toMatchObject({ index: 17 });
    const otherEntry = Buffer.from(entry.replace('test.event', 'test.other'));
    expect(() => verifyProof(proof.text, { vkey: t.custos.ledger.vkey, entry: otherEntry })).toThrow();
  });
});
