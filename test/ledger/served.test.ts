import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveInclusion, verifyProof } from '../../src/ledger/proof.js';
import { openSource } from '../../src/ledger/source.js';
import { entriesPath, tilePath } from '../../src/ledger/tiles.js';
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

  it('serves the same files at the paths its OpenAPI document gives, with the index percent-encoded', async () => {
    const document = (await (await fetch(`${url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    const templates = Object.keys(document.paths).filter((p) => p.startsWith('/ledger/'));
    expect(templates.sort()).toEqual([
      '/ledger/checkpoint',
      '/ledger/tile/entries/{index}',
      '/ledger/tile/{level}/{index}',
    ]);
    // The partial tiles, whose index holds a slash (`003.p/232`), as a generated client sends it.
    const size = t.custos.ledger.sizes().integrated;
    const [full, width] = [Math.floor(size / 256), size % 256];
    expect(width).toBeGreaterThan(0);
    const files = [
      { c2sp: tilePath(0, full, width), prefix: 'tile/0/', template: '/ledger/tile/{level}/{index}' },
      { c2sp: entriesPath(full, width), prefix: 'tile/entries/', template: '/ledger/tile/entries/{index}' },
    ];
    for (const { c2sp, prefix, template } of files) {
      const index = c2sp.slice(prefix.length);
      expect(index).toContain('/');
      const documented = template.replace('{level}', '0').replace('{index}', encodeURIComponent(index));
      const [asC2sp, asDocumented] = await Promise.all([
        fetch(`${url}/ledger/${c2sp}`),
        fetch(`${url}${documented}`),
      ]);
      expect(asC2sp.status, c2sp).toBe(200);
      expect(asDocumented.status, documented).toBe(200);
      expect(Buffer.from(await asDocumented.arrayBuffer())).toEqual(Buffer.from(await asC2sp.arrayBuffer()));
    }
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
