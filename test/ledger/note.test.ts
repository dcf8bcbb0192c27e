import { describe, expect, it } from 'vitest';
import { type ErrorCode, isCustosError } from '../../src/core/errors.js';
import { openNote, signNote } from '../../src/ledger/note.js';
import {
  COSIGNATURE_V1,
  generateKey,
  keyPairFromSeed,
  parseSignerKey,
  parseVerifierKey,
} from '../../src/ledger/note.key.js';
import { loadVectors } from './vectors.js';

interface GoNoteVectors {
  keys: { PeterNeumann: { skey: string; vkey: string }; EnochRoot: { vkey: string } };
  note_text: string;
  signatures: { PeterNeumann: string; EnochRoot: string };
  signed_note_peter: string;
  signed_note_peter_enoch: string;
  malformed_notes: string[];
  bad_vkeys: string[];
}

interface C2spExamples {
  signed_note_example: { vkey: string; note: string };
  signed_note_quasimodo_example: { note: string };
}

const go = loadVectors<GoNoteVectors>('signed-note/golang-mod-note.json');
const c2sp = loadVectors<C2spExamples>('signed-note/c2sp-spec-examples.json');
const peter = go.keys.PeterNeumann;
// Go's example_test.go derives EnochRoot's key from an all-zero random reader: seed = 32 zero bytes.
const enoch = keyPairFromSeed('EnochRoot', new Uint8Array(32));

/** The CustosError code and message that `fn` throws. */
function failure(fn: () => unknown): { code: ErrorCode; message: string } {
  try {
    fn();
  } catch (error) {
    if (isCustosError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a CustosError');
}

describe('Go sumdb note keys', () => {
  it('derives the PeterNeumann verifier key from its signer key', () => {
    const signer = parseSignerKey(peter.skey);
    const verifier = parseVerifierKey(peter.vkey);
    expect(signer.keyId).toBe(0xc74f20a3);
    expect(Buffer.from(signer.publicKey)).toEqual(Buffer.from(verifier.publicKey));
  });

  it('reproduces EnochRoot from the all-zero seed', () => {
    expect(enoch.vkey).toBe(go.keys.EnochRoot.vkey);
  });

  it.each(go.bad_vkeys)('rejects the malformed verifier key %s', (vkey) => {
    expect(failure(() => parseVerifierKey(vkey)).code).toBe('ledger.invalid_key');
  });

  it('rejects every proper substring of a good verifier key', () => {
    for (let start = 0; start < peter.vkey.length; start++) {
      for (let end = start + 1; end <= peter.vkey.length; end++) {
        if (start === 0 && end === peter.vkey.length) continue;
        const sub = peter.vkey.slice(start, end);
        expect(() => parseVerifierKey(sub), sub).toThrow();
      }
    }
  });

  it('rejects every single-character increment of a good verifier key', () => {
    for (let i = 0; i < peter.vkey.length; i++) {
      const bumped =
        peter.vkey.slice(0, i) + String.fromCharCode(peter.vkey.charCodeAt(i) + 1) + peter.vkey.slice(i + 1);
      expect(() => parseVerifierKey(bumped), bumped).toThrow();
    }
  });

  it('rejects a signer key whose key ID does not match', () => {
    const skey = peter.skey.replace('c74f20a3', 'c74f20a4');
    expect(failure(() => parseSignerKey(skey)).message).toContain('does not match the key');
  });

  it('rejects a signer key without the PRIVATE+KEY prefix', () => {
    expect(failure(() => parseSignerKey(peter.skey.slice('PRIVATE+'.length))).code).toBe(
      'ledger.invalid_key',
    );
  });

  it('round-trips generated keys of both types', () => {
    for (const type of [0x01, COSIGNATURE_V1] as const) {
      const { skey, vkey } = generateKey('custos.example/log', type);
      const signer = parseSignerKey(skey);
      const verifier = parseVerifierKey(vkey);
      expect([signer.type, verifier.type, signer.keyId]).toEqual([type, type, verifier.keyId]);
    }
  });

  it('refuses key names with spaces or plus signs', () => {
    expect(() => generateKey('bad name')).toThrow();
    expect(() => generateKey('bad+name')).toThrow();
    expect(() => generateKey('bad\u00a0name')).toThrow();
  });
});

describe('Go sumdb notes', () => {
  it('signs byte for byte like Go with PeterNeumann', () => {
    expect(signNote(go.note_text, [parseSignerKey(peter.skey)])).toBe(go.signed_note_peter);
  });

  it('signs byte for byte like Go with PeterNeumann and EnochRoot', () => {
    const signers = [parseSignerKey(peter.skey), parseSignerKey(enoch.skey)];
    expect(signNote(go.note_text, signers)).toBe(go.signed_note_peter_enoch);
  });

  it('opens a two-signature note with one known key, listing the other as unverified', () => {
    const opened = openNote(go.signed_note_peter_enoch, [parseVerifierKey(peter.vkey)]);
    expect(opened.text).toBe(go.note_text);
    expect(opened.signatures.map((s) => [s.name, s.base64])).toEqual([
      ['PeterNeumann', go.signatures.PeterNeumann],
    ]);
    expect(opened.unverified.map((s) => [s.name, s.keyId])).toEqual([['EnochRoot', 0xaf0cfe78]]);
  });

  it('verifies both signatures when both keys are known', () => {
    const opened = openNote(go.signed_note_peter_enoch, [
      parseVerifierKey(peter.vkey),
      parseVerifierKey(enoch.vkey),
    ]);
    expect(opened.signatures.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(opened.unverified).toEqual([]);
  });

  it('opens a note given as bytes', () => {
    const bytes = new TextEncoder().encode(go.signed_note_peter);
    expect(openNote(bytes, [parseVerifierKey(peter.vkey)]).text).toBe(go.note_text);
  });

  it('rejects a note without a known signer, saying so', () => {
    expect(failure(() => openNote(go.signed_note_peter_enoch, []))).toEqual({
      code: 'ledger.unverified_note',
      message: 'note has no verifiable signatures',
    });
  });

  it('rejects a verifier list with the same key twice when that key signed', () => {
    const verifiers = [parseVerifierKey(enoch.vkey), parseVerifierKey(enoch.vkey)];
    expect(failure(() => openNote(go.signed_note_peter_enoch, verifiers)).message).toBe(
      'ambiguous key EnochRoot+af0cfe78',
    );
  });

  it('accepts 100 copies of a signature line and rejects 101', () => {
    const line = go.signed_note_peter.slice(go.note_text.length + 1);
    const verifiers = [parseVerifierKey(peter.vkey)];
    expect(openNote(`${go.note_text}\n${line.repeat(100)}`, verifiers).signatures).toHaveLength(1);
    expect(failure(() => openNote(`${go.note_text}\n${line.repeat(101)}`, verifiers)).message).toContain(
      'malformed note',
    );
  });

  it('rejects a known key whose signature was tampered with', () => {
    const line = go.signed_note_peter.slice(go.note_text.length + 1);
    const tampered = `${go.note_text}\n${line.slice(0, 60)}ABCD${line.slice(60)}`;
    expect(failure(() => openNote(tampered, [parseVerifierKey(peter.vkey)]))).toEqual({
      code: 'ledger.invalid_signature',
      message: 'invalid signature for key PeterNeumann+c74f20a3',
    });
  });

  it.each(go.malformed_notes.map((note, i) => [i, note] as const))('rejects malformed note %i', (_, note) => {
    const { code, message } = failure(() => openNote(note, [parseVerifierKey(peter.vkey)]));
    expect(code).toBe('ledger.invalid_note');
    expect(message).toMatch(/^malformed note: /);
  });

  it('rejects a note that is not valid UTF-8', () => {
    const bytes = Buffer.concat([Buffer.of(0xff), Buffer.from(go.signed_note_peter)]);
    expect(failure(() => openNote(bytes, [parseVerifierKey(peter.vkey)])).code).toBe('ledger.invalid_note');
  });

  it('rejects non-canonical base64 in a signature', () => {
    // The signature ends in "M=": the last character carries two padding bits that must be zero.
    const note = go.signed_note_peter.replace('JnAM=', 'JnAN=');
    expect(failure(() => openNote(note, [parseVerifierKey(peter.vkey)])).code).toBe('ledger.invalid_note');
  });

  it('refuses to sign text that does not end in a newline', () => {
    expect(failure(() => signNote('no newline', [parseSignerKey(peter.skey)])).code).toBe(
      'ledger.invalid_note',
    );
  });

  it('refuses to sign plainly with a cosignature key', () => {
    const cosigner = parseSignerKey(generateKey('witness.example/w1', COSIGNATURE_V1).skey);
    expect(failure(() => signNote(go.note_text, [cosigner])).message).toContain('signCosignature');
  });
});

describe('C2SP signed-note examples', () => {
  it('verifies the published example with its key', () => {
    const opened = openNote(c2sp.signed_note_example.note, [parseVerifierKey(c2sp.signed_note_example.vkey)]);
    expect(opened.text).toBe('This is an example message.\n');
    expect(opened.signatures.map((s) => s.name)).toEqual(['example.com/foo']);
  });

  it('splits a text with blank lines at the last blank line', () => {
    // No key is published for this example, so opening it must fail as unverified, after parsing.
    const { code } = failure(() => openNote(c2sp.signed_note_quasimodo_example.note, []));
    expect(code).toBe('ledger.unverified_note');
    const key = keyPairFromSeed('quasimodo.example/salvatore', new Uint8Array(32).fill(7));
    const text =
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n';
    const opened = openNote(signNote(text, [parseSignerKey(key.skey)]), [parseVerifierKey(key.vkey)]);
    expect(opened.text).toBe(text);
  });
});
