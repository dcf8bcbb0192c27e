import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/ledger/bytes.js';
import { hashLeaf, rootFromLeafHashes } from '../../src/ledger/merkle.js';
import { COSIGNATURE_V1, generateKey } from '../../src/ledger/note.key.js';
import { parseCheckpointNote, verifyLogConsistency } from '../../src/ledger/proof.js';
import { directorySource, openSource, urlSource } from '../../src/ledger/source.js';
import { verifyLog } from '../../src/ledger/verify.js';
import { openTestLedger } from '../support/ledger.js';
import { createTestStore } from '../support/services.js';
import { serveDirectory, type TlogFixture, writeTlogFixture } from '../support/tlog-fixture.js';

/** Every file of a log folder, as relative slash-separated paths. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(join(dir, name)).isFile())
    .map((name) => name.split(sep).join('/'))
    .sort();
}

const logs: TlogFixture[] = [];
function fixture(...args: Parameters<typeof writeTlogFixture>): TlogFixture {
  const log = writeTlogFixture(...args);
  logs.push(log);
  return log;
}
afterAll(() => {
  for (const log of logs) rmSync(log.dir, { recursive: true, force: true });
});

describe('verifyLog on valid logs', () => {
  const sizes = [0, 1, 255, 256, 257, 70000];
  const bySize = new Map<number, TlogFixture>();
  let parent: string;
  let server: Awaited<ReturnType<typeof serveDirectory>>;

  beforeAll(async () => {
    // Every log in a subfolder of one parent, served by one HTTP server.
    parent = mkdtempSync(join(tmpdir(), 'custos-tlogs-'));
    for (const size of sizes) {
      bySize.set(size, fixture({ size, origin: `example.test/log${size}`, dir: join(parent, `log${size}`) }));
    }
    server = await serveDirectory(parent);
  });
  afterAll(async () => {
    await server.close();
    rmSync(parent, { recursive: true, force: true });
  });

  it.each(sizes.filter((size) => size < 70000))(
    'verifies a log of %i entries from a folder and over HTTP',
    async (size) => {
      const log = bySize.get(size) as TlogFixture;
      const fromDir = await verifyLog(openSource(log.dir), { vkey: log.vkey });
      expect(fromDir).toMatchObject({ ok: true, size, origin: log.origin, errors: [], entries: size });
      expect(fromDir.root).toBe(toBase64(rootFromLeafHashes(log.entries.map(hashLeaf))));
      const fromHttp = await verifyLog(openSource(`${server.url}log${size}`), { vkey: log.vkey });
      expect(fromHttp).toEqual(fromDir);
    },
  );

  it('verifies 70,000 entries laid out as tlog-tiles says (273 full level-0 tiles and a partial of 112), from a folder and over HTTP, reporting progress', async () => {
    const log = bySize.get(70000) as TlogFixture;
    const files = listFiles(log.dir);
    expect(files.filter((f) => /^tile\/0\/(x\d{3}\/)*\d{3}$/.test(f))).toHaveLength(273);
    expect(files.filter((f) => /^tile\/entries\/(x\d{3}\/)*\d{3}$/.test(f))).toHaveLength(273);
    expect(files).toEqual(
      expect.arrayContaining([
        'tile/0/273.p/112',
        'tile/entries/273.p/112',
        'tile/1/000',
        'tile/1/001.p/17',
        'tile/2/000.p/1',
      ]),
    );
    const calls: [number, number][] = [];
    const fromDir = await verifyLog(directorySource(log.dir), {
      vkey: log.vkey,
      onProgress: (done, total) => calls.push([done, total]),
    });
    expect(fromDir).toMatchObject({
      ok: true,
      size: 70000,
      entries: 70000,
      bundles: 274,
      tiles: 274 + 2 + 1,
    });
    expect(calls[0]).toEqual([0, 70000]);
    expect(calls.at(-1)).toEqual([70000, 70000]);
    expect(calls.every(([done], i) => i === 0 || done > (calls[i - 1] as [number, number])[0])).toBe(true);
    const fromHttp = await verifyLog(openSource(`${server.url}log70000/`), { vkey: log.vkey });
    expect(fromHttp).toEqual(fromDir);
  });
});

describe('verifyLog checks the checkpoint', () => {
  it('fails naming the checkpoint when the key is wrong', async () => {
    const log = fixture({ size: 10 });
    const other = generateKey(log.origin).vkey;
    const result = await verifyLog(openSource(log.dir), { vkey: other });
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toMatchObject({ file: 'checkpoint' });
    expect(result.errors[0]?.message).toMatch(
      /no signature verifies with key example\.test\/log\+[0-9a-f]{8}/,
    );
  });

  it('fails when the origin is not the expected one, and accepts an explicit origin', async () => {
    const log = fixture({ size: 10 });
    const wrong = await verifyLog(openSource(log.dir), { vkey: log.vkey, origin: 'example.test/other' });
    expect(wrong.errors[0]).toMatchObject({ file: 'checkpoint' });
    expect(wrong.errors[0]?.message).toMatch(
      /origin "example\.test\/log" is not the expected "example\.test\/other"/,
    );

    // A key named differently from the origin (like Go's sumdb) needs the origin spelled out.
    const named = fixture({ size: 10, skey: generateKey('signer-name').skey });
    expect((await verifyLog(openSource(named.dir), { vkey: named.vkey })).errors[0]?.message).toMatch(
      /origin/,
    );
    expect((await verifyLog(openSource(named.dir), { vkey: named.vkey, origin: named.origin })).ok).toBe(
      true,
    );
  });

  it('requires the witness quorum: all given witnesses by default', async () => {
    const log = fixture({ size: 300, witnesses: ['w1.test', 'w2.test'] });
    const [w1, w2] = log.witnesses.map((w) => w.vkey) as [string, string];
    const absent = generateKey('w3.test', COSIGNATURE_V1).vkey;
    const source = openSource(log.dir);
    const both = await verifyLog(source, { vkey: log.vkey, witnessKeys: [w1, w2] });
    expect(both).toMatchObject({ ok: true });
    expect(both.cosigners).toHaveLength(2);
    const unmet = await verifyLog(source, { vkey: log.vkey, witnessKeys: [w1, w2, absent] });
    expect(unmet.errors[0]).toMatchObject({ file: 'checkpoint' });
    expect(unmet.errors[0]?.message).toMatch(/cosigned by 2 of 3 witnesses .*quorum is 3/);
    expect(
      (await verifyLog(source, { vkey: log.vkey, witnessKeys: [w1, w2, absent], witnessQuorum: 2 })).ok,
    ).toBe(true);
    await expect(
      verifyLog(source, { vkey: log.vkey, witnessKeys: [w1], witnessQuorum: 2 }),
    ).rejects.toMatchObject({
      code: 'request.invalid',
    });
  });

  it('fails on a forged cosignature even when the quorum would be met without it', async () => {
    const log = fixture({ size: 5, witnesses: ['w1.test', 'w2.test'] });
    const file = join(log.dir, 'checkpoint');
    const lines = readFileSync(file, 'utf8').split('\n');
    // The last signature line is w2's: replace its signature bytes, keeping name and key ID.
    const last = lines.length - 2;
    const [dash, name, b64] = (lines[last] as string).split(' ') as [string, string, string];
    const raw = Buffer.from(b64, 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
    lines[last] = `${dash} ${name} ${raw.toString('base64')}`;
    writeFileSync(file, lines.join('\n'));
    const witnessKeys = log.witnesses.map((w) => w.vkey);
    const result = await verifyLog(openSource(log.dir), { vkey: log.vkey, witnessKeys, witnessQuorum: 1 });
    expect(result.errors[0]).toMatchObject({ file: 'checkpoint' });
    expect(result.errors[0]?.message).toMatch(/signature does not verify.*w2\.test/);
  });

  it('refuses a malformed key as a usage error rather than a log failure', async () => {
    const log = fixture({ size: 1 });
    await expect(verifyLog(openSource(log.dir), { vkey: 'not a key' })).rejects.toMatchObject({
      code: 'ledger.invalid_key',
    });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['garbage', '\u0000\u00ff\u00fe binary'],
    ['unsigned', 'example.test/log\n1\nAAAA\n'],
  ])('reports a %s checkpoint without throwing', async (_name, contents) => {
    const log = fixture({ size: 3 });
    const file = join(log.dir, 'checkpoint');
    if (contents === undefined) rmSync(file);
    else writeFileSync(file, contents, 'latin1');
    const result = await verifyLog(openSource(log.dir), { vkey: log.vkey });
    expect(result).toMatchObject({ ok: false, size: null });
    expect(result.errors[0]?.file).toBe('checkpoint');
  });
});

describe('verifyLog finds tampering', () => {
  // Built in steps so that leftover partial tiles and bundles of earlier checkpoints are present.
  let log: TlogFixture;
  beforeAll(() => {
    log = fixture({ size: 600, steps: [100, 300], witnesses: ['w.test'] });
  });

  it('flipping any byte of any stored file fails verification and names that file', async () => {
    const files = listFiles(log.dir);
    expect(files).toEqual(
      expect.arrayContaining([
        'tile/0/000.p/100',
        'tile/entries/001.p/44',
        'tile/1/000.p/1',
        'tile/1/000.p/2',
      ]),
    );
    const witnessKeys = log.witnesses.map((w) => w.vkey);
    expect((await verifyLog(openSource(log.dir), { vkey: log.vkey, witnessKeys })).ok).toBe(true);
    let mutations = 0;
    for (const file of files) {
      const path = join(log.dir, file);
      const original = readFileSync(path);
      const positions = new Set([0, 1, 2, original.length >> 1, original.length - 2, original.length - 1]);
      for (const position of positions) {
        for (const mask of [0x01, 0x80]) {
          const mutated = Buffer.from(original);
          mutated[position] = (mutated[position] as number) ^ mask;
          writeFileSync(path, mutated);
          const result = await verifyLog(openSource(log.dir), { vkey: log.vkey, witnessKeys });
          expect(result.ok, `${file} byte ${position} ^ ${mask}`).toBe(false);
          expect(
            result.errors[0]?.file,
            `${file} byte ${position} ^ ${mask}: ${result.errors[0]?.message}`,
          ).toBe(file);
          mutations++;
        }
      }
      writeFileSync(path, original);
    }
    expect(mutations).toBeGreaterThan(100);
    expect((await verifyLog(openSource(log.dir), { vkey: log.vkey, witnessKeys })).ok).toBe(true);
  });

  it('names the hash and leaf index that differ in a level-0 tile', async () => {
    const copy = fixture({ size: 600 });
    const path = join(copy.dir, 'tile/0/001');
    const tile = readFileSync(path);
    tile[5 * 32 + 7] = (tile[5 * 32 + 7] as number) ^ 0xff;
    writeFileSync(path, tile);
    const result = await verifyLog(openSource(copy.dir), { vkey: copy.vkey });
    expect(result.errors).toEqual([
      {
        file: 'tile/0/001',
        index: 261,
        message: 'hash 5 (leaf index 261) differs from the hash of entry 5 of tile/entries/001',
      },
    ]);
  });

  it('names the entry that was changed in a bundle', async () => {
    const copy = fixture({
      size: 600,
      entry: (i) => new TextEncoder().encode(`e${String(i).padStart(5, '0')}`),
    });
    const path = join(copy.dir, 'tile/entries/002.p/88');
    const bundle = readFileSync(path);
    // Entry 10 of the bundle starts at 10 * (2 + 6) + 2.
    bundle[10 * 8 + 2 + 3] = 'x'.charCodeAt(0);
    writeFileSync(path, bundle);
    const result = await verifyLog(openSource(copy.dir), { vkey: copy.vkey });
    expect(result.errors[0]).toMatchObject({ file: 'tile/entries/002.p/88', index: 522 });
    expect(result.errors[0]?.message).toMatch(
      /^entry 10 \(leaf index 522\) does not hash to hash 10 of tile\/0\/002\.p\/88$/,
    );
  });

  it.each([
    ['tile/0/001', 1, /8191 bytes; a tile of width 256 has 8192/],
    ['tile/1/000.p/2', 32, /32 bytes; a tile of width 2 has 64/],
    ['tile/entries/001', 5, /truncated/],
    ['tile/entries/002.p/88', 1, /truncated/],
    ['checkpoint', 20, /malformed|signature/],
  ])('reports a truncated %s', async (file, cut, message) => {
    const copy = fixture({ size: 600 });
    const path = join(copy.dir, file);
    const data = readFileSync(path);
    writeFileSync(path, data.subarray(0, data.length - cut));
    const result = await verifyLog(openSource(copy.dir), { vkey: copy.vkey });
    expect(result.ok).toBe(false);
    expect(result.errors[0]?.file).toBe(file);
    expect(result.errors[0]?.message).toMatch(message);
  });

  it('reports a missing tile and a missing bundle', async () => {
    const copy = fixture({ size: 600 });
    rmSync(join(copy.dir, 'tile/1/000.p/2'));
    expect((await verifyLog(openSource(copy.dir), { vkey: copy.vkey })).errors[0]).toMatchObject({
      file: 'tile/1/000.p/2',
      message: 'missing; a tree of size 600 needs it',
    });
    rmSync(join(copy.dir, 'tile/entries/000'));
    expect((await verifyLog(openSource(copy.dir), { vkey: copy.vkey })).errors[0]?.file).toBe(
      'tile/entries/000',
    );
  });

  it('falls back to the full tile and bundle when a partial one was deleted, as tlog-tiles allows', async () => {
    const copy = fixture({ size: 768, steps: [600] });
    writeFileSync(join(copy.dir, 'checkpoint'), copy.checkpoints[0] as string);
    rmSync(join(copy.dir, 'tile/0/002.p/88'));
    rmSync(join(copy.dir, 'tile/entries/002.p/88'));
    expect(await verifyLog(openSource(copy.dir), { vkey: copy.vkey })).toMatchObject({ ok: true, size: 600 });
  });

  it('reports an HTTP error naming the file and the URL', async () => {
    const copy = fixture({ size: 300 });
    const server = await serveDirectory(copy.dir, (path) =>
      path === 'tile/0/000' ? { status: 500, body: 'boom' } : undefined,
    );
    try {
      const result = await verifyLog(urlSource(server.url), { vkey: copy.vkey });
      expect(result.errors[0]?.file).toBe('tile/0/000');
      expect(result.errors[0]?.message).toContain(`GET ${server.url}tile/0/000: HTTP 500`);
    } finally {
      await server.close();
    }
  });
});

describe('rollback and fork', () => {
  it('verifies a rolled-back checkpoint as a smaller log, but not against what was seen before', async () => {
    const log = fixture({ size: 600, steps: [400] });
    const [older, newer] = log.checkpoints as [string, string];
    writeFileSync(join(log.dir, 'checkpoint'), older);
    const source = openSource(log.dir);
    expect(await verifyLog(source, { vkey: log.vkey })).toMatchObject({ ok: true, size: 400 });

    const withPrevious = await verifyLog(source, { vkey: log.vkey, previous: newer });
    expect(withPrevious.errors[0]).toMatchObject({ file: 'checkpoint' });
    expect(withPrevious.errors[0]?.message).toMatch(
      /size 400 is smaller than the size 600 seen before: .*rolled back/,
    );
    expect((await verifyLog(source, { vkey: log.vkey, minSize: 500 })).errors[0]?.message).toMatch(
      /rolled back/,
    );

    await expect(
      verifyLogConsistency(parseCheckpointNote(newer), parseCheckpointNote(older), source),
    ).rejects.toThrow(/rolled back/);
    writeFileSync(join(log.dir, 'checkpoint'), newer);
    await verifyLogConsistency(parseCheckpointNote(older), parseCheckpointNote(newer), source);
    expect(await verifyLog(source, { vkey: log.vkey, previous: older })).toMatchObject({
      ok: true,
      size: 600,
    });
  });

  it('detects a fork: a log signed by the same key that does not extend an earlier checkpoint', async () => {
    const honest = fixture({ size: 300, origin: 'example.test/forked' });
    const forked = fixture({
      size: 600,
      origin: 'example.test/forked',
      skey: honest.skey,
      entry: (i) => new TextEncoder().encode(`rewritten ${i}`),
    });
    const source = openSource(forked.dir);
    expect((await verifyLog(source, { vkey: honest.vkey })).ok).toBe(true);
    const result = await verifyLog(source, { vkey: honest.vkey, previous: honest.checkpoints[0] as string });
    expect(result.errors[0]).toMatchObject({ file: 'checkpoint' });
    expect(result.errors[0]?.message).toMatch(/does not extend the earlier tree of size 300: the log forked/);

    const sameSize = fixture({
      size: 300,
      origin: 'example.test/forked',
      skey: honest.skey,
      entry: () => Uint8Array.of(1),
    });
    const equal = await verifyLog(openSource(sameSize.dir), {
      vkey: honest.vkey,
      previous: honest.checkpoints[0] as string,
    });
    expect(equal.errors[0]?.message).toMatch(/two checkpoints of size 300 have different roots/);
  });
});

describe('log sources', () => {
  it('refuses paths that climb out of the log', async () => {
    const log = fixture({ size: 1 });
    const source = directorySource(join(log.dir, 'tile'));
    for (const path of [
      '../checkpoint',
      'entries/../../checkpoint',
      '/etc/passwd',
      'a//b',
      'a\\..\\b',
      './x',
    ]) {
      await expect(source.read(path), path).rejects.toMatchObject({ code: 'request.invalid' });
    }
    await expect(urlSource('http://127.0.0.1:1/log/').read('../x')).rejects.toMatchObject({
      code: 'request.invalid',
    });
  });

  it('reads files and lists them, and treats missing files as absent', async () => {
    const log = fixture({ size: 2 });
    const source = directorySource(log.dir);
    expect(await source.read('tile/0/000.p/2')).toHaveLength(64);
    expect(await source.read('tile/0/001')).toBeUndefined();
    expect(await source.read('checkpoint/inside-a-file')).toBeUndefined();
    const listed: string[] = [];
    for await (const path of source.list?.() ?? []) listed.push(path);
    expect(listed.sort()).toEqual(listFiles(log.dir));
    expect(relative(log.dir, source.describe('tile/0/000.p/2'))).toBe(join('tile', '0', '000.p', '2'));
  });

  it('answers undefined for 404 and an error naming the URL otherwise', async () => {
    const log = fixture({ size: 2 });
    const server = await serveDirectory(log.dir, (path) => (path === 'boom' ? { status: 503 } : undefined));
    try {
      const source = openSource(server.url);
      expect(new TextDecoder().decode(await source.read('checkpoint'))).toBe(log.checkpoints[0]);
      expect(await source.read('tile/0/999')).toBeUndefined();
      await expect(source.read('boom')).rejects.toThrow(`GET ${server.url}boom: HTTP 503`);
      expect(existsSync(log.dir)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('names the URL when the server cannot be reached', async () => {
    const server = await serveDirectory(fixture({ size: 1 }).dir);
    await server.close();
    await expect(openSource(server.url).read('checkpoint')).rejects.toMatchObject({
      code: 'ledger.source_failed',
      message: expect.stringContaining(`GET ${server.url}checkpoint`),
    });
  });
});

describe('a log written by the Custos ledger', () => {
  it('verifies from a copy of its folder, and any flipped byte of any of its files is caught and named', async () => {
    const t = await createTestStore('sqlite');
    const ledger = await openTestLedger(t.store, t.dataDir);
    const copy = mkdtempSync(join(tmpdir(), 'custos-ledger-copy-'));
    try {
      // Several integrations, so that leftover partial tiles of earlier checkpoints exist too.
      for (let round = 0; round < 4; round++) {
        await Promise.all(
          Array.from({ length: 150 }, (_, i) =>
            ledger.append({ type: 'test.event', id: `evt_${round}_${i}`, body: { n: i } }),
          ),
        );
        await ledger.awaitIntegration(150 * (round + 1) - 1);
      }
      cpSync(join(t.dataDir, 'ledger'), copy, { recursive: true });
      const good = await verifyLog(openSource(copy), { vkey: ledger.vkey });
      expect(good).toMatchObject({ ok: true, size: 600, entries: 600 });
      for (const file of listFiles(copy)) {
        const path = join(copy, file);
        const original = readFileSync(path);
        for (const position of new Set([0, original.length >> 1, original.length - 1])) {
          const mutated = Buffer.from(original);
          mutated[position] = (mutated[position] as number) ^ 0x20;
          writeFileSync(path, mutated);
          const result = await verifyLog(openSource(copy), { vkey: ledger.vkey });
          expect(result.errors[0]?.file, `${file} byte ${position}`).toBe(file);
        }
        writeFileSync(path, original);
      }
    } finally {
      await ledger.close();
      await t.dispose();
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
