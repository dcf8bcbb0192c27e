import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toHex } from '../../src/ledger/bytes.js';
import { hashLeaf, inclusionProof, rootFromLeafHashes } from '../../src/ledger/merkle.js';
import { COSIGNATURE_V1, generateKey } from '../../src/ledger/note.key.js';
import {
  formatProof,
  parseProof,
  proveInclusion,
  TLOG_PROOF_HEADER,
  type TlogProof,
  tileNodeReader,
  verifyProof,
} from '../../src/ledger/proof.js';
import { openSource } from '../../src/ledger/source.js';
import { type TlogFixture, writeTlogFixture } from '../support/tlog-fixture.js';

let log: TlogFixture;
beforeAll(() => {
  log = writeTlogFixture({ size: 70_000, witnesses: ['w1.test'] });
});
afterAll(() => {
  rmSync(log.dir, { recursive: true, force: true });
});

// Hashes may be Buffers or plain Uint8Arrays depending on where they were computed: compare hex.
function hex(bytes: Uint8Array): string {
  return toHex(bytes);
}

function comparable(proof: TlogProof) {
  return { ...proof, proof: proof.proof.map(hex), extra: proof.extra && hex(proof.extra) };
}

function leafHashes(entries: readonly Uint8Array[]): Uint8Array[] {
  return entries.map(hashLeaf);
}

describe('proveInclusion from tiles', () => {
  it.each([0, 1, 255, 256, 257, 65_535, 65_536, 69_887, 69_888, 69_999])(
    'proves entry %i with the same hashes as a proof over all leaves, and the proof verifies',
    async (index) => {
      const built = await proveInclusion(openSource(log.dir), index);
      expect(built.size).toBe(70_000);
      expect(hex(built.leafHash)).toBe(hex(hashLeaf(log.entries[index] as Uint8Array)));
      const text = built.text;
      expect(text.startsWith(`${TLOG_PROOF_HEADER}\nindex ${index}\n`)).toBe(true);
      const verified = verifyProof(text, { vkey: log.vkey, entry: log.entries[index] as Uint8Array });
      expect(verified).toMatchObject({ index, size: 70_000, origin: log.origin });
      expect(verifyProof(text, { vkey: log.vkey, leafHash: built.leafHash }).index).toBe(index);
    },
  );

  it('matches a proof computed from the leaf hashes of a small tree directly', async () => {
    const small = writeTlogFixture({ size: 1000 });
    try {
      const leaves = leafHashes(small.entries);
      const direct = async (level: number, index: number) =>
        rootFromLeafHashes(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level));
      for (const index of [0, 3, 511, 512, 767, 768, 999]) {
        const built = await proveInclusion(openSource(small.dir), index);
        expect(built.proof.map(hex), `index ${index}`).toEqual(
          (await inclusionProof(index, 1000, direct)).map(hex),
        );
      }
      const reader = tileNodeReader(openSource(small.dir), 1000);
      expect(hex(await reader(9, 0))).toBe(hex(rootFromLeafHashes(leaves.slice(0, 512))));
      expect(hex(await reader(3, 124))).toBe(hex(rootFromLeafHashes(leaves.slice(992, 1000))));
      await expect(reader(3, 125)).rejects.toMatchObject({ code: 'ledger.invalid_range' });
    } finally {
      rmSync(small.dir, { recursive: true, force: true });
    }
  });

  it('refuses an index beyond the tree and verifies the checkpoint when given a key', async () => {
    const source = openSource(log.dir);
    await expect(proveInclusion(source, 70_000)).rejects.toMatchObject({ code: 'ledger.invalid_range' });
    await expect(proveInclusion(source, -1)).rejects.toMatchObject({ code: 'ledger.invalid_range' });
    await expect(proveInclusion(source, 5, { vkey: generateKey(log.origin).vkey })).rejects.toMatchObject({
      code: 'ledger.unverified_note',
    });
    expect((await proveInclusion(source, 5, { vkey: log.vkey })).index).toBe(5);
  });

  it('refuses to build a proof from corrupt tiles', async () => {
    const small = writeTlogFixture({ size: 300 });
    try {
      writeFileSync(join(small.dir, 'tile/0/001.p/44'), new Uint8Array(44 * 32));
      await expect(proveInclusion(openSource(small.dir), 260)).rejects.toMatchObject({
        code: 'ledger.invalid_proof',
      });
      // Leaf 3's path needs the hash of leaves 256 to 511: level-1 tile hash 1.
      const grown = writeTlogFixture({ size: 600, dir: join(small.dir, 'grown') });
      rmSync(join(grown.dir, 'tile/1/000.p/2'));
      await expect(proveInclusion(openSource(grown.dir), 3)).rejects.toThrow(/tile\/1\/000\.p\/2 is missing/);
    } finally {
      rmSync(small.dir, { recursive: true, force: true });
    }
  });
});

describe('tlog-proof format', () => {
  it('round-trips format and parse, with and without extra data', async () => {
    const built = await proveInclusion(openSource(log.dir), 316);
    const extra = new TextEncoder().encode('application context');
    for (const parts of [
      { index: built.index, proof: built.proof, checkpointNote: built.checkpointNote },
      { index: built.index, proof: built.proof, checkpointNote: built.checkpointNote, extra },
    ]) {
      const text = formatProof(parts);
      expect(comparable(parseProof(text))).toEqual(comparable(parts));
      expect(comparable(parseProof(new TextEncoder().encode(text)))).toEqual(comparable(parts));
      expect(verifyProof(text, { vkey: log.vkey, entry: log.entries[316] as Uint8Array }).extra).toEqual(
        parts.extra,
      );
    }
    const withExtra = formatProof({ ...built, extra });
    expect(withExtra.split('\n').slice(0, 3)).toEqual([
      'c2sp.org/tlog-proof@v1',
      `extra ${toBase64(extra)}`,
      'index 316',
    ]);
  });

  it('lays the proof out as the spec shows: header, index, hashes, blank line, checkpoint', async () => {
    const built = await proveInclusion(openSource(log.dir), 7);
    const lines = built.text.split('\n');
    expect(lines[0]).toBe('c2sp.org/tlog-proof@v1');
    expect(lines[1]).toBe('index 7');
    const hashes = lines.slice(2, 2 + built.proof.length);
    expect(hashes.map((line) => hex(fromBase64(line) as Uint8Array))).toEqual(built.proof.map(hex));
    expect(lines[2 + built.proof.length]).toBe('');
    expect(lines.slice(3 + built.proof.length).join('\n')).toBe(built.checkpointNote);
  });

  it('checks witness cosignatures on the proof checkpoint', async () => {
    const { text } = await proveInclusion(openSource(log.dir), 42);
    const entry = log.entries[42] as Uint8Array;
    const witness = (log.witnesses[0] as { vkey: string }).vkey;
    expect(verifyProof(text, { vkey: log.vkey, entry, witnessKeys: [witness] }).cosigners).toHaveLength(1);
    const stranger = generateKey('w2.test', COSIGNATURE_V1).vkey;
    expect(() => verifyProof(text, { vkey: log.vkey, entry, witnessKeys: [witness, stranger] })).toThrow(
      /cosigned by 1 of 2 witnesses/,
    );
  });

  describe('rejects', () => {
    let proof: Awaited<ReturnType<typeof proveInclusion>>;
    let entry: Uint8Array;
    beforeAll(async () => {
      proof = await proveInclusion(openSource(log.dir), 1234);
      entry = log.entries[1234] as Uint8Array;
    });

    it('a proof with a hash missing or one too many', () => {
      const short = formatProof({ ...proof, proof: proof.proof.slice(0, -1) });
      expect(() => verifyProof(short, { vkey: log.vkey, entry })).toThrow(/must have 17 hashes, got 16/);
      const long = formatProof({ ...proof, proof: [...proof.proof, proof.proof[0] as Uint8Array] });
      expect(() => verifyProof(long, { vkey: log.vkey, entry })).toThrow(/must have 17 hashes, got 18/);
    });

    it('an index beyond the tree size', () => {
      const beyond = formatProof({ ...proof, index: 70_000 });
      expect(() => verifyProof(beyond, { vkey: log.vkey, entry })).toThrow(/outside a tree of size 70000/);
    });

    it('the wrong entry, the wrong leaf hash and the wrong index', () => {
      expect(() =>
        verifyProof(proof.text, { vkey: log.vkey, entry: log.entries[1235] as Uint8Array }),
      ).toThrow(expect.objectContaining({ code: 'ledger.invalid_proof' }));
      expect(() => verifyProof(proof.text, { vkey: log.vkey, leafHash: new Uint8Array(32) })).toThrow(
        /does not lead to the expected root/,
      );
      const moved = formatProof({ ...proof, index: 1235 });
      expect(() => verifyProof(moved, { vkey: log.vkey, entry })).toThrow(
        /does not lead to the expected root/,
      );
      expect(() => verifyProof(proof.text, { vkey: log.vkey, leafHash: new Uint8Array(31) })).toThrow(
        /31 bytes/,
      );
    });

    it('a checkpoint that the key did not sign or that was altered', () => {
      expect(() => verifyProof(proof.text, { vkey: generateKey(log.origin).vkey, entry })).toThrow(
        /no signature verifies with key/,
      );
      const altered = proof.text.replace(/\n70000\n/, '\n70001\n');
      expect(() => verifyProof(altered, { vkey: log.vkey, entry })).toThrow(/signature does not verify/);
    });

    it('both or neither of entry and leaf hash', () => {
      expect(() => verifyProof(proof.text, { vkey: log.vkey } as never)).toThrow(/exactly one/);
      expect(() =>
        verifyProof(proof.text, { vkey: log.vkey, entry, leafHash: hashLeaf(entry) } as never),
      ).toThrow(/exactly one/);
    });

    it.each([
      ['an empty text', ''],
      ['a wrong header', 'c2sp.org/tlog-proof@v2\nindex 1\n\nx\n'],
      ['no index line', `${TLOG_PROOF_HEADER}\n\nx\n`],
      ['an index with a leading zero', `${TLOG_PROOF_HEADER}\nindex 01\n\nx\n`],
      ['a negative index', `${TLOG_PROOF_HEADER}\nindex -1\n\nx\n`],
      ['an index beyond 2^53', `${TLOG_PROOF_HEADER}\nindex 9007199254740993\n\nx\n`],
      ['a hash that is not base64', `${TLOG_PROOF_HEADER}\nindex 1\nnot base64!\n\nx\n`],
      ['a 31-byte hash', `${TLOG_PROOF_HEADER}\nindex 1\n${toBase64(new Uint8Array(31))}\n\nx\n`],
      ['bad extra data', `${TLOG_PROOF_HEADER}\nextra ***\nindex 1\n\nx\n`],
      ['carriage returns', `${TLOG_PROOF_HEADER}\r\nindex 1\r\n\r\nx\n`],
      ['no checkpoint', `${TLOG_PROOF_HEADER}\nindex 1\n\n`],
      ['no blank line', `${TLOG_PROOF_HEADER}\nindex 1\n${toBase64(new Uint8Array(32))}`],
      [
        'too many hashes',
        `${TLOG_PROOF_HEADER}\nindex 1\n${`${toBase64(new Uint8Array(32))}\n`.repeat(65)}\nx\n`,
      ],
    ])('%s', (_name, text) => {
      expect(() => parseProof(text)).toThrow(expect.objectContaining({ code: 'ledger.invalid_proof' }));
    });

    it('invalid UTF-8', () => {
      expect(() => parseProof(Uint8Array.of(0xff, 0xfe))).toThrow(/not valid UTF-8/);
    });
  });
});
