import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCustosError } from '../../src/core/errors.js';
import { signCosignature } from '../../src/ledger/checkpoint.js';
import { hashLeaf, verifyInclusion as serverInclusion } from '../../src/ledger/merkle.js';
import { openNote, signNote } from '../../src/ledger/note.js';
import { keyPairFromSeed, parseSignerKey, parseVerifierKey } from '../../src/ledger/note.key.js';
import { type RecordProof, verifyRecordProof as serverRecordProof } from '../../src/ledger/recordproof.js';
import {
  base64Decode,
  base64Encode,
  ed25519Verify,
  keyFingerprint,
  leafHash,
  nodeHash,
  parseNoteKey,
  sha256,
  verifyCheckpoint,
  verifyInclusion,
  verifyNote,
  verifyRecordProof,
} from '../../src/ledger/verify.subtle.js';
import { hex, loadVectors, toHex } from './vectors.js';

interface InclusionProbe {
  source_path: string;
  leafIdx: number;
  treeSize: number;
  leafHash_hex: string;
  root_hex: string;
  proof_hex: string[] | null;
  desc: string;
  wantErr: boolean;
}

const probes = loadVectors<{ probes: InclusionProbe[] }>('merkle/inclusion-probes.json').probes;
const hasher = loadVectors<{
  vectors: { desc: string; leaf_hex?: string; left_hex?: string; right_hex?: string; want_hex: string }[];
}>('merkle/rfc6962-hasher.json').vectors;
const tree = loadVectors<{
  leaf_inputs_hex: string[];
  root_hashes_hex: string[];
  inclusion_proofs_from_proofgen: { leaf_index: number; tree_size: number; proof_hex: string[] }[];
}>('merkle/rfc6962-reference-tree.json');
const goNote = loadVectors<{
  keys: Record<string, { vkey: string }>;
  signed_note_peter: string;
  signed_note_peter_enoch: string;
  malformed_notes: string[];
  bad_vkeys: string[];
}>('signed-note/golang-mod-note.json');
const c2sp = loadVectors<{ signed_note_example: { vkey: string; note: string } }>(
  'signed-note/c2sp-spec-examples.json',
);

function serverRejects(check: () => void): boolean {
  try {
    check();
    return false;
  } catch (error) {
    if (!isCustosError(error)) throw error;
    return true;
  }
}

function flipByte(base64: string, at = 0): string {
  const bytes = base64Decode(base64) as Uint8Array;
  bytes[at] = (bytes[at] as number) ^ 0x01;
  return base64Encode(bytes);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the WebCrypto verifier on the transparency-dev inclusion probes', () => {
  it.each(probes.map((p) => [`${p.source_path}: ${p.desc}`, p] as const))('%s', async (_, probe) => {
    const proof = (probe.proof_hex ?? []).map(hex);
    const result = await verifyInclusion(
      probe.leafIdx,
      probe.treeSize,
      hex(probe.leafHash_hex),
      proof,
      hex(probe.root_hex),
    );
    expect(result.ok).toBe(!probe.wantErr);
    // The server's verifier reaches the same verdict on every probe.
    const server = serverRejects(() =>
      serverInclusion(probe.leafIdx, probe.treeSize, hex(probe.leafHash_hex), proof, hex(probe.root_hex)),
    );
    expect(server).toBe(probe.wantErr);
  });
});

describe('the WebCrypto verifier on RFC 6962 known answers', () => {
  it.each(hasher.map((v) => [v.desc, v] as const))('%s', async (_, vector) => {
    let got: Uint8Array;
    if (vector.left_hex !== undefined && vector.right_hex !== undefined) {
      got = await nodeHash(hex(vector.left_hex), hex(vector.right_hex));
    } else if (vector.leaf_hex !== undefined) {
      got = await leafHash(hex(vector.leaf_hex));
    } else {
      got = await sha256();
    }
    expect(toHex(got)).toBe(vector.want_hex);
  });

  it.each(tree.inclusion_proofs_from_proofgen.map((p) => [p.leaf_index, p.tree_size, p] as const))(
    'verifies the reference proof of leaf %i in tree %i, and names both roots when a byte is flipped',
    async (index, size, vector) => {
      const leaf = await leafHash(hex(tree.leaf_inputs_hex[index] as string));
      const root = hex(tree.root_hashes_hex[size] as string);
      const proof = vector.proof_hex.map(hex);
      expect(await verifyInclusion(index, size, leaf, proof, root)).toEqual({ ok: true });
      if (proof.length === 0) return;
      const first = proof[0] as Uint8Array;
      first[31] = (first[31] as number) ^ 0x80;
      const failed = await verifyInclusion(index, size, leaf, proof, root);
      expect(failed).toMatchObject({ ok: false, step: 'inclusion', expected: toHex(root) });
      expect(failed.ok === false && failed.computed).toMatch(/^[0-9a-f]{64}$/);
      expect(failed.ok === false && failed.computed).not.toBe(toHex(root));
    },
  );
});

describe('the WebCrypto verifier on signed notes', () => {
  it('verifies the C2SP signed-note example and Go note package notes', async () => {
    expect(await verifyNote(c2sp.signed_note_example.note, c2sp.signed_note_example.vkey)).toMatchObject({
      ok: true,
      text: 'This is an example message.\n',
      engine: 'webcrypto',
    });
    const peter = goNote.keys.PeterNeumann?.vkey as string;
    const enoch = goNote.keys.EnochRoot?.vkey as string;
    expect((await verifyNote(goNote.signed_note_peter, peter)).ok).toBe(true);
    expect((await verifyNote(goNote.signed_note_peter_enoch, peter)).ok).toBe(true);
    expect((await verifyNote(goNote.signed_note_peter_enoch, enoch)).ok).toBe(true);
    expect(await verifyNote(goNote.signed_note_peter, enoch)).toMatchObject({ ok: false, step: 'signature' });
  });

  it('rejects every malformed note and bad key the Go package rejects, as the server does', async () => {
    const peter = goNote.keys.PeterNeumann?.vkey as string;
    for (const note of goNote.malformed_notes) {
      expect(await verifyNote(note, peter)).toMatchObject({ ok: false });
      expect(serverRejects(() => openNote(note, [parseVerifierKey(peter)]))).toBe(true);
    }
    for (const vkey of goNote.bad_vkeys) {
      expect(await verifyNote(goNote.signed_note_peter, vkey)).toMatchObject({ ok: false, step: 'key' });
      expect(serverRejects(() => parseVerifierKey(vkey))).toBe(true);
    }
    // A changed byte in the signature line fails as an invalid signature, not as a parse error.
    const line = goNote.signed_note_peter.split('\n').at(-2) as string;
    const payload = line.slice(line.lastIndexOf(' ') + 1);
    const tampered = goNote.signed_note_peter.replace(payload, flipByte(payload, 20));
    expect(await verifyNote(tampered, peter)).toMatchObject({ ok: false, step: 'signature' });
  });

  it('falls back to @noble/ed25519 only when WebCrypto lacks Ed25519', async () => {
    const { vkey } = c2sp.signed_note_example;
    vi.spyOn(globalThis.crypto.subtle, 'importKey').mockRejectedValue(
      new DOMException('no Ed25519 here', 'NotSupportedError'),
    );
    expect(await verifyNote(c2sp.signed_note_example.note, vkey)).toMatchObject({
      ok: true,
      engine: 'noble',
    });
    const flipped = c2sp.signed_note_example.note.replace('example message', 'example massage');
    expect(await verifyNote(flipped, vkey)).toMatchObject({ ok: false, step: 'signature' });
    // Any other failure to import the key is an invalid key, never a reason to switch engines.
    vi.spyOn(globalThis.crypto.subtle, 'importKey').mockRejectedValue(new DOMException('bad', 'DataError'));
    const key = await parseNoteKey(vkey);
    expect(await ed25519Verify(key.publicKey, new Uint8Array(1), new Uint8Array(64))).toEqual({
      valid: false,
      engine: 'webcrypto',
    });
  });

  it('gives a key a stable fingerprint', async () => {
    const fingerprint = await keyFingerprint(c2sp.signed_note_example.vkey);
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(await keyFingerprint(c2sp.signed_note_example.vkey)).toBe(fingerprint);
  });
});

describe('the WebCrypto verifier on checkpoints and cosignatures', () => {
  const log = keyPairFromSeed('log.example/ledger', new Uint8Array(32).fill(7));
  const witness = keyPairFromSeed('witness.example', new Uint8Array(32).fill(9), 0x04);
  const other = keyPairFromSeed('other.example', new Uint8Array(32).fill(11), 0x04);
  const body = `log.example/ledger\n3\n${base64Encode(new Uint8Array(32).fill(1))}\n`;
  const signed = signNote(body, [parseSignerKey(log.skey)]);
  const cosigned = signed + signCosignature(body, parseSignerKey(witness.skey), 1_700_000_000);

  it('verifies the log signature and each required cosignature with its time', async () => {
    const result = await verifyCheckpoint(cosigned, log.vkey, [witness.vkey]);
    expect(result).toMatchObject({
      ok: true,
      origin: 'log.example/ledger',
      size: 3,
      cosignatures: [{ name: 'witness.example', timestamp: 1_700_000_000 }],
    });
  });

  it('fails on a missing or forged cosignature and on another log key', async () => {
    expect(await verifyCheckpoint(signed, log.vkey, [witness.vkey])).toMatchObject({
      ok: false,
      step: 'cosignature',
    });
    const forged =
      signed +
      signCosignature(body, parseSignerKey(other.skey), 1).replace('other.example', 'witness.example');
    expect(await verifyCheckpoint(forged, log.vkey, [witness.vkey])).toMatchObject({
      ok: false,
      step: 'cosignature',
    });
    expect(await verifyCheckpoint(cosigned, witness.vkey)).toMatchObject({ ok: false, step: 'key' });
    const stranger = keyPairFromSeed('log.example/ledger', new Uint8Array(32).fill(8));
    expect(await verifyCheckpoint(cosigned, stranger.vkey)).toMatchObject({ ok: false, step: 'signature' });
  });
});

describe('the WebCrypto verifier on Custos record proofs', () => {
  const examples = ['record-proof.json', 'batched-record-proof.json'].map(
    (name) =>
      JSON.parse(
        readFileSync(path.join(import.meta.dirname, '../../docs/examples/ledger', name), 'utf8'),
      ) as {
        vkey: string;
        record: { canonical: string; salt: string };
        proof: RecordProof;
      },
  );

  it.each(examples.map((e) => [e.proof.batch ? 'batched' : 'single', e] as const))(
    'verifies the %s example exactly as the server verifier does',
    async (_, example) => {
      const result = await verifyRecordProof(example.proof, example.vkey, { record: example.record });
      const server = serverRecordProof(example.proof, example.vkey, example.record);
      expect(result).toMatchObject({
        ok: true,
        origin: server.origin,
        size: server.size,
        recordChecked: true,
      });
      expect(result.ok && result.leafHashHex).toBe(toHex(hashLeaf(Buffer.from(example.proof.entry))));
    },
  );

  it.each(examples.map((e) => [e.proof.batch ? 'batched' : 'single', e] as const))(
    'names the failing step of a tampered %s proof, as the server refuses it',
    async (_, example) => {
      const { proof, vkey, record } = example;
      const cases: [string, RecordProof, { canonical: string; salt: string } | undefined][] = [
        [
          'inclusion',
          { ...proof, inclusion: [flipByte(proof.inclusion[0] as string), ...proof.inclusion.slice(1)] },
          undefined,
        ],
        ['record', proof, { ...record, canonical: record.canonical.replace('read', 'edit') }],
        ['entry', { ...proof, recordId: `${proof.recordId}x` }, undefined],
        ['signature', { ...proof, checkpoint: proof.checkpoint.replace(/\n\d+\n/, '\n99\n') }, undefined],
      ];
      for (const [step, changed, changedRecord] of cases) {
        const result = await verifyRecordProof(changed, vkey, { record: changedRecord });
        // A changed record id changes the batch member's leaf, so a batch fails on its path.
        const want = step === 'entry' && proof.batch ? 'batch' : step;
        expect(result).toMatchObject({ ok: false, step: want });
        expect(serverRejects(() => serverRecordProof(changed, vkey, changedRecord))).toBe(true);
      }
      const inclusion = await verifyRecordProof(cases[0]?.[1] as RecordProof, vkey);
      expect(inclusion.ok === false && inclusion.expected).toMatch(/^[0-9a-f]{64}$/);
      expect(inclusion.ok === false && inclusion.computed).not.toBe(
        inclusion.ok === false && inclusion.expected,
      );
    },
  );
});
