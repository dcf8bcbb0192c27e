/**
 * C2SP signed notes (c2sp.org/signed-note), byte-compatible with Go's golang.org/x/mod/sumdb/note:
 * a text ending in a newline, a blank line, then lines `— <name> <base64(keyID || signature)>`.
 */
import { sign, verify } from 'node:crypto';
import { CustosError } from '../core/errors.js';
import { concatBytes, decodeUtf8, fromBase64, hasForbiddenCharacters, toBase64, utf8 } from './bytes.js';
import { ED25519, formatKeyId, isValidKeyName, type SignerKey, type VerifierKey } from './note.key.js';

/** A signature found in a note; `signature` is the bytes after the 4-byte key ID. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Uint8Array;
  /** The base64 payload exactly as it appeared on the signature line. */
  readonly base64: string;
  /** For cosignature/v1 signatures, the witness's POSIX timestamp. */
  readonly timestamp?: number;
}

/** A note whose text is backed by at least one verified signature. */
export interface OpenedNote {
  readonly text: string;
  /** Signatures by known keys, all verified. */
  readonly signatures: readonly NoteSignature[];
  /** Signatures by keys not among the verifiers, left unchecked (as the spec requires). */
  readonly unverified: readonly NoteSignature[];
}

export interface OpenNoteOptions {
  /** Notes with more signature lines are rejected before any verification; Go's limit is 100. */
  readonly maxSignatures?: number;
}

const signaturePrefix = '\u2014 ';
const cosignatureSize = 8 + 64;

function malformed(reason: string): CustosError {
  return new CustosError('ledger.invalid_note', `malformed note: ${reason}`);
}

/** The message a cosignature/v1 signature covers: header, time line, then the note text. */
export function cosignatureMessage(text: string, timestamp: number | bigint): Uint8Array {
  return utf8(`cosignature/v1\ntime ${timestamp}\n${text}`);
}

function keyIdBytes(keyId: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, keyId);
  return bytes;
}

/** Formats one signature line, newline included. */
export function formatSignatureLine(name: string, keyId: number, signature: Uint8Array): string {
  return `${signaturePrefix}${name} ${toBase64(concatBytes(keyIdBytes(keyId), signature))}\n`;
}

/** Parses one signature line (without its newline); throws a malformed-note error. */
export function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(signaturePrefix)) throw malformed('a signature line does not start with an em dash');
  const rest = line.slice(signaturePrefix.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  const base64 = space < 0 ? '' : rest.slice(space + 1);
  if (!isValidKeyName(name)) throw malformed(`signature key name ${JSON.stringify(name)} is not valid`);
  const payload = fromBase64(base64);
  if (payload === undefined || payload.length < 5) {
    throw malformed(`signature by ${name} is not base64 of a key ID and a signature`);
  }
  const keyId = new DataView(payload.buffer, payload.byteOffset).getUint32(0);
  return { name, keyId, signature: payload.slice(4), base64 };
}

/** Checks the text rules shared by signing and opening; returns the reason it fails, if it does. */
function textProblem(text: string): string | undefined {
  if (!text.endsWith('\n')) return 'text does not end with a newline';
  if (hasForbiddenCharacters(text)) return 'text has a control character or is not valid UTF-8';
  return undefined;
}

/** Signs `text` (which must end in a newline) with Ed25519 keys and returns the signed note. */
export function signNote(text: string, signers: readonly SignerKey[]): string {
  const problem = textProblem(text);
  if (problem) throw malformed(problem);
  if (signers.length === 0) throw malformed('a note needs at least one signature');
  const message = utf8(text);
  const lines = signers.map((signer) => {
    if (!isValidKeyName(signer.name))
      throw malformed(`signer name ${JSON.stringify(signer.name)} is not valid`);
    if (signer.type !== ED25519) {
      // A cosignature also commits to a timestamp, which only signCosignature supplies.
      throw new CustosError(
        'ledger.invalid_key',
        `key ${signer.name}+${formatKeyId(signer.keyId)} is a cosignature/v1 key; sign with signCosignature`,
      );
    }
    return formatSignatureLine(signer.name, signer.keyId, sign(null, message, signer.privateKey));
  });
  return `${text}\n${lines.join('')}`;
}

/** Ed25519 verification that treats a malformed signature as a failed one. */
function ed25519Verify(key: VerifierKey, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, message, key.keyObject, signature);
  } catch {
    return false;
  }
}

/** Verifies one signature by a known key; returns the cosignature timestamp when there is one. */
function checkSignature(key: VerifierKey, text: string, signature: Uint8Array): { timestamp?: number } {
  const invalid = () =>
    new CustosError(
      'ledger.invalid_signature',
      `invalid signature for key ${key.name}+${formatKeyId(key.keyId)}`,
    );
  if (key.type === ED25519) {
    if (!ed25519Verify(key, utf8(text), signature)) throw invalid();
    return {};
  }
  if (signature.length !== cosignatureSize) throw invalid();
  const view = new DataView(signature.buffer, signature.byteOffset, signature.length);
  const timestamp = view.getBigUint64(0);
  // The spec caps timestamps at 2^63 - 1; numbers cap them lower, far beyond any real clock.
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid();
  if (!ed25519Verify(key, cosignatureMessage(text, timestamp), signature.subarray(8))) throw invalid();
  return { timestamp: Number(timestamp) };
}

/**
 * Parses a signed note and verifies the signatures of known keys. Throws when the note is
 * malformed, when a known key's signature fails, or when no known key signed it at all.
 */
export function openNote(
  note: string | Uint8Array,
  verifiers: readonly VerifierKey[],
  options: OpenNoteOptions = {},
): OpenedNote {
  const maxSignatures = options.maxSignatures ?? 100;
  const whole = typeof note === 'string' ? note : decodeUtf8(note);
  if (whole === undefined) throw malformed('note is not valid UTF-8');
  if (hasForbiddenCharacters(whole)) throw malformed('note has a control character or is not valid UTF-8');
  // The last blank line separates the text (which may itself contain blank lines) from signatures.
  const split = whole.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line separates the text from the signatures');
  const text = whole.slice(0, split + 1);
  const block = whole.slice(split + 2);
  if (block === '') throw malformed('there are no signature lines');
  if (!block.endsWith('\n')) throw malformed('the last signature line does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > maxSignatures) throw malformed(`more than ${maxSignatures} signatures`);

  const known = new Map<string, VerifierKey[]>();
  for (const key of verifiers) {
    const id = `${key.name}+${formatKeyId(key.keyId)}`;
    known.set(id, [...(known.get(id) ?? []), key]);
  }
  const signatures: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seenLines = new Set<string>();
  const seenKeys = new Set<string>();
  for (const line of lines) {
    const parsed = parseSignatureLine(line);
    const id = `${parsed.name}+${formatKeyId(parsed.keyId)}`;
    const keys = known.get(id);
    if (keys === undefined) {
      // Unknown keys are ignored, not trusted; repeats of the same line are dropped.
      if (!seenLines.has(line)) unverified.push(parsed);
      seenLines.add(line);
      continue;
    }
    if (keys.length > 1) throw new CustosError('ledger.invalid_key', `ambiguous key ${id}`);
    if (seenKeys.has(id)) continue;
    seenKeys.add(id);
    signatures.push({ ...parsed, ...checkSignature(keys[0] as VerifierKey, text, parsed.signature) });
  }
  if (signatures.length === 0) {
    throw new CustosError('ledger.unverified_note', 'note has no verifiable signatures', {
      unverified: unverified.map((s) => `${s.name}+${formatKeyId(s.keyId)}`),
    });
  }
  return { text, signatures, unverified };
}
