import { describe, expect, it } from 'vitest';
import {
  cosignatureTimestamp,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCosignature,
  verifyCosignature,
} from '../../src/ledger/checkpoint.js';
import { hashLeaf } from '../../src/ledger/merkle.js';
import { cosignatureMessage, openNote, parseSignatureLine, signNote } from '../../src/ledger/note.js';
import {
  COSIGNATURE_V1,
  keyPairFromSeed,
  parseSignerKey,
  parseVerifierKey,
} from '../../src/ledger/note.key.js';
import { loadVectors } from './vectors.js';

interface C2spExamples {
  checkpoint_example: { note: string };
  cosigned_checkpoint_example: { note: string };
  cosignature_v1_signed_message_example: { message: string };
  witness_add_checkpoint_response_example: { body: string };
}

interface GoNoteVectors {
  sumdb_tree_note_body: { tree_size: number; body: string };
}

const c2sp = loadVectors<C2spExamples>('signed-note/c2sp-spec-examples.json');
const go = loadVectors<GoNoteVectors>('signed-note/golang-mod-note.json');
const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

const log = keyPairFromSeed('example.com/behind-the-sofa', new Uint8Array(32).fill(1));
const witness = keyPairFromSeed('witness.example.com/w1', new Uint8Array(32).fill(2), COSIGNATURE_V1);

describe('parseCheckpoint', () => {
  it('reads the C2SP example checkpoint body', () => {
    const text = c2sp.checkpoint_example.note.slice(0, body.length);
    expect(text).toBe(body);
    const checkpoint = parseCheckpoint(text);
    expect(checkpoint.origin).toBe('example.com/behind-the-sofa');
    expect(checkpoint.size).toBe(20852163);
    expect(Buffer.from(checkpoint.root).toString('base64')).toBe(
      'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=',
    );
    expect(checkpoint.extensions).toEqual([]);
    expect(formatCheckpoint(checkpoint)).toBe(body);
  });

  it('reads the Go sumdb tree note, whose root is the leaf hash of "hello world"', () => {
    const checkpoint = parseCheckpoint(go.sumdb_tree_note_body.body);
    expect(checkpoint.size).toBe(go.sumdb_tree_note_body.tree_size);
    expect(Buffer.from(checkpoint.root)).toEqual(
      Buffer.from(hashLeaf(new TextEncoder().encode('hello world'))),
    );
  });

  it('keeps extension lines in order', () => {
    const text = `${body}ext one\next two\n`;
    expect(parseCheckpoint(text).extensions).toEqual(['ext one', 'ext two']);
    expect(formatCheckpoint(parseCheckpoint(text))).toBe(text);
  });

  it.each([
    ['no final newline', body.slice(0, -1), 'does not end with a newline'],
    ['only two lines', 'origin\n5\n', 'needs origin, size and root'],
    ['an empty origin', `\n${body.split('\n').slice(1).join('\n')}`, 'origin is empty'],
    ['a leading zero in the size', body.replace('20852163', '020852163'), 'without leading zeros'],
    ['a signed size', body.replace('20852163', '+20852163'), 'without leading zeros'],
    ['a size beyond 2^53', body.replace('20852163', '18446744073709551615'), 'larger than 2^53 - 1'],
    [
      'a short root',
      body.replace('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'AAAA'),
      'base64 of 32 bytes',
    ],
    ['unpadded base64', body.replace('2I=', '2I'), 'base64 of 32 bytes'],
    ['an empty extension line', `${body}\n`, 'extension line 1 is empty'],
    ['a control character', body.replace('sofa', 'so\tfa'), 'control character'],
  ])('rejects a body with %s', (_, text, message) => {
    expect(() => parseCheckpoint(text)).toThrow(message);
  });

  it('accepts size 0 and formats the empty tree', () => {
    const root = new Uint8Array(32);
    expect(parseCheckpoint(formatCheckpoint({ origin: 'o', size: 0, root })).size).toBe(0);
  });
});

describe('cosignature/v1', () => {
  it('builds the signed message of the C2SP example', () => {
    const message = new TextDecoder().decode(cosignatureMessage(body, 1679315147));
    expect(message).toBe(c2sp.cosignature_v1_signed_message_example.message);
  });

  it('reads key ID and timestamp 1679315147 from the example witness line', () => {
    const lines = c2sp.cosigned_checkpoint_example.note.slice(body.length + 1).split('\n');
    const cosignature = parseSignatureLine(lines[1] as string);
    expect(cosignature.name).toBe('witness.example.com/w1');
    expect(cosignature.signature).toHaveLength(72);
    expect(cosignatureTimestamp(cosignature.signature)).toBe(1679315147);
  });

  it('parses every line of the example witness response as a 76-byte cosignature', () => {
    const lines = c2sp.witness_add_checkpoint_response_example.body.slice(0, -1).split('\n');
    for (const line of lines) expect(parseSignatureLine(line).signature).toHaveLength(72);
  });

  it('signs and verifies a cosignature and returns its timestamp', () => {
    const line = signCosignature(body, parseSignerKey(witness.skey), 1679315147);
    expect(line.startsWith('\u2014 witness.example.com/w1 ')).toBe(true);
    expect(verifyCosignature(body, line, parseVerifierKey(witness.vkey))).toBe(1679315147);
  });

  it('rejects a cosignature over another body or from another key', () => {
    const line = signCosignature(body, parseSignerKey(witness.skey), 1679315147);
    const other = body.replace('20852163', '20852164');
    expect(() => verifyCosignature(other, line, parseVerifierKey(witness.vkey))).toThrow('invalid signature');
    const stranger = keyPairFromSeed('witness.example.com/w2', new Uint8Array(32).fill(3), COSIGNATURE_V1);
    expect(() => verifyCosignature(body, line, parseVerifierKey(stranger.vkey))).toThrow(
      'not witness.example.com/w2',
    );
  });

  it('rejects a cosignature whose timestamp was changed', () => {
    const line = signCosignature(body, parseSignerKey(witness.skey), 1679315147);
    const parsed = parseSignatureLine(line.slice(0, -1));
    const payload = Buffer.from(parsed.base64, 'base64');
    payload.writeUInt32BE(payload.readUInt32BE(8) + 1, 8);
    const forged = `\u2014 ${parsed.name} ${payload.toString('base64')}\n`;
    expect(() => verifyCosignature(body, forged, parseVerifierKey(witness.vkey))).toThrow(
      'invalid signature',
    );
  });

  it('refuses to cosign with a plain Ed25519 key', () => {
    expect(() => signCosignature(body, parseSignerKey(log.skey), 1)).toThrow('not a cosignature/v1');
  });

  it('verifies a log-signed, witness-cosigned checkpoint in one pass', () => {
    const note =
      signNote(body, [parseSignerKey(log.skey)]) + signCosignature(body, parseSignerKey(witness.skey), 42);
    const { checkpoint, note: opened } = openCheckpoint(note, parseVerifierKey(log.vkey), [
      parseVerifierKey(witness.vkey),
    ]);
    expect(checkpoint.size).toBe(20852163);
    expect(opened.signatures.map((s) => [s.name, s.timestamp])).toEqual([
      ['example.com/behind-the-sofa', undefined],
      ['witness.example.com/w1', 42],
    ]);
  });

  it('rejects a checkpoint signed only by a witness', () => {
    const note = `${body}\n${signCosignature(body, parseSignerKey(witness.skey), 42)}`;
    expect(openNote(note, [parseVerifierKey(witness.vkey)]).signatures).toHaveLength(1);
    expect(() => openCheckpoint(note, parseVerifierKey(log.vkey), [parseVerifierKey(witness.vkey)])).toThrow(
      'not signed by the log key',
    );
  });
});
