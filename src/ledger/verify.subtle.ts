/**
 * The one ledger verifier for server, CLI and console: C2SP signed notes and checkpoints, witness
 * cosignatures (cosignature/v1), RFC 9162 inclusion proofs and Custos record proofs, on
 * `crypto.subtle` alone. It imports nothing from Node, so the console bundles it as it is.
 *
 * Record proofs are in verify.record.ts. Failures are results, not exceptions: each names the step that failed and, where hashes were
 * compared, the computed and the expected hash in full, so a person can see what did not match.
 */
import { bytesEqual, concatBytes, decodeUtf8, hasForbiddenCharacters, utf8 } from './bytes.js';
import { base64Decode, base64Encode, hexDecode, hexEncode } from './bytes.portable.js';

/** The steps of a verification, in the order they run. */
export type VerifyStep =
  | 'key'
  | 'checkpoint'
  | 'signature'
  | 'cosignature'
  | 'record'
  | 'entry'
  | 'batch'
  | 'inclusion';

/** Which Ed25519 implementation checked the signatures. */
export type Ed25519Engine = 'webcrypto' | 'noble';

export interface VerifyFailure {
  ok: false;
  step: VerifyStep;
  message: string;
  /** Lowercase hex of what this verifier computed, when hashes were compared. */
  computed?: string;
  /** Lowercase hex of what the proof or checkpoint says it should be. */
  expected?: string;
}

/** A parsed signed-note verifier key `name+keyid+base64(type || publicKey)`. */
export interface NoteKey {
  name: string;
  keyId: number;
  /** 0x01 Ed25519 note signature; 0x04 cosignature/v1 (witness). */
  type: 1 | 4;
  publicKey: Uint8Array;
  vkey: string;
}

export interface CosignatureResult {
  name: string;
  keyId: string;
  /** The witness's POSIX time in seconds when it cosigned. */
  timestamp: number;
}

export interface VerifiedCheckpoint {
  ok: true;
  origin: string;
  size: number;
  root: Uint8Array;
  /** The signed body (origin, size, root lines). */
  body: string;
  engine: Ed25519Engine;
  cosignatures: CosignatureResult[];
}

/** Thrown inside the verifier and turned into a result at its edge. */
export class Failure extends Error {
  constructor(readonly failure: VerifyFailure) {
    super(failure.message);
  }
}

export function fail(
  step: VerifyStep,
  message: string,
  hashes?: { computed: Uint8Array; expected: Uint8Array },
): never {
  throw new Failure({
    ok: false,
    step,
    message,
    ...(hashes ? { computed: hexEncode(hashes.computed), expected: hexEncode(hashes.expected) } : {}),
  });
}

// Typed from globalThis, so the module compiles both with the DOM library (console) and with Node's.
type Subtle = typeof globalThis.crypto.subtle;

function subtle(): Subtle {
  const api = globalThis.crypto?.subtle;
  if (!api) throw new Failure({ ok: false, step: 'key', message: 'this context has no crypto.subtle' });
  return api;
}

/** SHA-256 of the concatenated parts. */
export async function sha256(...parts: readonly Uint8Array[]): Promise<Uint8Array> {
  const input = concatBytes(...parts);
  return new Uint8Array(await subtle().digest('SHA-256', input as Uint8Array<ArrayBuffer>));
}

/** RFC 9162 leaf hash SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Promise<Uint8Array> {
  return sha256(Uint8Array.of(0x00), data);
}

/** RFC 9162 node hash SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(Uint8Array.of(0x01), left, right);
}

// Go's unicode.IsSpace, as note.key.ts: a key name has none of these and no '+'.
const unicodeSpace = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
function isValidKeyName(name: string): boolean {
  return name !== '' && !unicodeSpace.test(name) && !name.includes('+') && !hasForbiddenCharacters(name);
}

/** Parses and checks a verifier key (its key id must hash from its name and key). */
export async function parseNoteKey(vkey: string): Promise<NoteKey> {
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) fail('key', 'the verifier key is not name+keyid+key');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  if (!isValidKeyName(name)) fail('key', 'the verifier key name is empty or has spaces');
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) fail('key', 'the verifier key id is not 8 hex digits');
  const raw = base64Decode(vkey.slice(second + 1));
  if (raw?.length !== 33) fail('key', 'the verifier key is not base64 of a type byte and 32 key bytes');
  const type = raw[0];
  if (type !== 1 && type !== 4) fail('key', `the verifier key has unsupported type ${type}`);
  const publicKey = raw.slice(1);
  const digest = await sha256(utf8(name), Uint8Array.of(0x0a, type), publicKey);
  const keyId = new DataView(digest.buffer).getUint32(0);
  if (keyId !== Number.parseInt(idHex, 16)) fail('key', 'the verifier key id does not match its key');
  return { name, keyId, type, publicKey, vkey };
}

/** The key's fingerprint as people compare it: SHA-256 of the whole verifier key text, in hex. */
export async function keyFingerprint(vkey: string): Promise<string> {
  return hexEncode(await sha256(utf8(vkey)));
}

/**
 * Ed25519 through WebCrypto; only where the browser lacks Ed25519 (NotSupportedError) through
 * @noble/ed25519 in its strict RFC 8032 mode. A malformed key or signature is an invalid one.
 */
export async function ed25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<{ valid: boolean; engine: Ed25519Engine }> {
  if (signature.length !== 64 || publicKey.length !== 32) return { valid: false, engine: 'webcrypto' };
  let key: Awaited<ReturnType<Subtle['importKey']>>;
  try {
    key = await subtle().importKey('raw', publicKey as Uint8Array<ArrayBuffer>, 'Ed25519', false, ['verify']);
  } catch (error) {
    if (error instanceof Error && error.name === 'NotSupportedError') {
      const noble = await import('@noble/ed25519');
      try {
        return {
          valid: await noble.verifyAsync(signature, message, publicKey, { zip215: false }),
          engine: 'noble',
        };
      } catch {
        return { valid: false, engine: 'noble' };
      }
    }
    return { valid: false, engine: 'webcrypto' };
  }
  try {
    const valid = await subtle().verify(
      'Ed25519',
      key,
      signature as Uint8Array<ArrayBuffer>,
      message as Uint8Array<ArrayBuffer>,
    );
    return { valid, engine: 'webcrypto' };
  } catch {
    return { valid: false, engine: 'webcrypto' };
  }
}

interface SignatureLine {
  name: string;
  keyId: number;
  payload: Uint8Array;
}

/** Splits a signed note into its text and signature lines (c2sp.org/signed-note, Go's limits). */
export function splitNote(note: string): { text: string; lines: SignatureLine[] } {
  if (hasForbiddenCharacters(note)) fail('checkpoint', 'the note has a control character');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) fail('checkpoint', 'no blank line separates the text from the signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n'))
    fail('checkpoint', 'the signature lines are missing or unterminated');
  const raw = block.slice(0, -1).split('\n');
  if (raw.length > 100) fail('checkpoint', 'the note has more than 100 signatures');
  const lines = raw.map((line) => {
    if (!line.startsWith('\u2014 ')) fail('checkpoint', 'a signature line does not start with an em dash');
    const rest = line.slice(2);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    if (!isValidKeyName(name)) fail('checkpoint', 'a signature line has an invalid key name');
    const payload = base64Decode(space < 0 ? '' : rest.slice(space + 1));
    if (!payload || payload.length < 5) fail('checkpoint', `the signature by ${name} is not valid base64`);
    return { name, keyId: new DataView(payload.buffer).getUint32(0), payload: payload.slice(4) };
  });
  return { text, lines };
}

function keyLabel(key: NoteKey): string {
  return `${key.name}+${key.keyId.toString(16).padStart(8, '0')}`;
}

/**
 * Verifies the signature of `key` on a note: an Ed25519 note signature (0x01), or a witness's
 * cosignature/v1 (0x04) over its time line and the text. Fails when the key did not sign.
 */
async function verifyNoteSignature(
  text: string,
  lines: readonly SignatureLine[],
  key: NoteKey,
  step: 'signature' | 'cosignature',
): Promise<{ engine: Ed25519Engine; timestamp?: number }> {
  const matching = lines.filter((line) => line.name === key.name && line.keyId === key.keyId);
  if (matching.length === 0) fail(step, `there is no signature by ${keyLabel(key)}`);
  const signature = matching[0] as SignatureLine;
  if (key.type === 1) {
    const { valid, engine } = await ed25519Verify(key.publicKey, utf8(text), signature.payload);
    if (!valid) fail(step, `the signature by ${keyLabel(key)} is not valid for this text`);
    return { engine };
  }
  if (signature.payload.length !== 72) fail(step, `the cosignature by ${keyLabel(key)} is not 72 bytes`);
  const timestamp = new DataView(signature.payload.buffer, signature.payload.byteOffset).getBigUint64(0);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER))
    fail(step, `the cosignature by ${keyLabel(key)} has a bad time`);
  const message = utf8(`cosignature/v1\ntime ${timestamp}\n${text}`);
  const { valid, engine } = await ed25519Verify(key.publicKey, message, signature.payload.subarray(8));
  if (!valid) fail(step, `the cosignature by ${keyLabel(key)} is not valid for this checkpoint`);
  return { engine, timestamp: Number(timestamp) };
}

/** Checks a signed note against one verifier key; resolves with the signed text. */
export async function verifyNote(
  note: string,
  vkey: string,
): Promise<{ ok: true; text: string; engine: Ed25519Engine } | VerifyFailure> {
  try {
    const key = await parseNoteKey(vkey);
    const { text, lines } = splitNote(note);
    const { engine } = await verifyNoteSignature(text, lines, key, 'signature');
    return { ok: true, text, engine };
  } catch (error) {
    return asFailure(error);
  }
}

function parseBody(body: string): { origin: string; size: number; root: Uint8Array } {
  const lines = body.slice(0, -1).split('\n');
  const [origin = '', sizeText = '', rootText = ''] = lines;
  if (lines.length < 3 || origin === '')
    fail('checkpoint', 'the checkpoint needs origin, size and root lines');
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText))
    fail('checkpoint', 'the checkpoint size is not a decimal number');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) fail('checkpoint', 'the checkpoint size is too large');
  const root = base64Decode(rootText);
  if (root?.length !== 32) fail('checkpoint', 'the checkpoint root is not base64 of 32 bytes');
  return { origin, size, root };
}

/**
 * Verifies a checkpoint: the log's signature (required), and each given witness's cosignature
 * (every witness passed must have cosigned). The origin must be the log key's name.
 */
export async function verifyCheckpoint(
  note: string,
  logVkey: string,
  witnessVkeys: readonly string[] = [],
): Promise<VerifiedCheckpoint | VerifyFailure> {
  try {
    return await checkpointOrThrow(note, logVkey, witnessVkeys);
  } catch (error) {
    return asFailure(error);
  }
}

/** verifyCheckpoint, throwing a Failure. */
export async function checkpointOrThrow(
  note: string,
  logVkey: string,
  witnessVkeys: readonly string[],
): Promise<VerifiedCheckpoint> {
  const key = await parseNoteKey(logVkey);
  if (key.type !== 1) fail('key', 'the log key must be an Ed25519 note key (type 0x01)');
  const witnesses = await Promise.all(witnessVkeys.map(parseNoteKey));
  const { text, lines } = splitNote(note);
  const { engine } = await verifyNoteSignature(text, lines, key, 'signature');
  const { origin, size, root } = parseBody(text);
  if (origin !== key.name) fail('checkpoint', `the checkpoint is for ${origin}, not for the log ${key.name}`);
  const cosignatures: CosignatureResult[] = [];
  for (const witness of witnesses) {
    const { timestamp } = await verifyNoteSignature(text, lines, witness, 'cosignature');
    cosignatures.push({ name: witness.name, keyId: keyLabel(witness).slice(-8), timestamp: timestamp ?? 0 });
  }
  return { ok: true, origin, size, root, body: text, engine, cosignatures };
}

/**
 * The root an RFC 9162 (2.1.3.2) inclusion proof leads to, or a failure when the proof's shape
 * does not fit the index and size.
 */
export async function rootFromInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  step: VerifyStep = 'inclusion',
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(index) || index < 0) fail(step, `leaf index ${index} is not a valid index`);
  if (!Number.isSafeInteger(size) || size < 0) fail(step, `tree size ${size} is not a valid size`);
  if (index >= size) fail(step, `leaf index ${index} is outside a tree of size ${size}`);
  if (leaf.length !== 32 || proof.some((hash) => hash.length !== 32)) fail(step, 'a hash is not 32 bytes');
  // Bit arithmetic would wrap at 2^31, so halving is done with Math.floor.
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) fail(step, `the proof has more hashes than a tree of size ${size} needs`);
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) fail(step, `the proof has fewer hashes than a tree of size ${size} needs`);
  return r;
}

/** Checks an inclusion proof against an expected root; a mismatch names both roots. */
export async function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<{ ok: true } | VerifyFailure> {
  try {
    await inclusionOrThrow(index, size, leaf, proof, root, 'inclusion');
    return { ok: true };
  } catch (error) {
    return asFailure(error);
  }
}

/** verifyInclusion with a step name, throwing a Failure. */
export async function inclusionOrThrow(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  step: VerifyStep,
): Promise<void> {
  const computed = await rootFromInclusion(index, size, leaf, proof, step);
  if (!bytesEqual(computed, root)) {
    fail(step, `the proof for leaf ${index} in a tree of ${size} does not lead to the expected root`, {
      computed,
      expected: root,
    });
  }
}

/** The result a Failure carries; anything else is a bug and propagates. */
export function asFailure(error: unknown): VerifyFailure {
  if (error instanceof Failure) return error.failure;
  throw error;
}

export {
  type LogEntryInput,
  type RecordProofInput,
  recordCommitment,
  recordEntryText,
  type VerifiedLogEntry,
  type VerifiedRecordProof,
  verifyLogEntry,
  verifyRecordProof,
} from './verify.record.js';
export { base64Decode, base64Encode, decodeUtf8, hexDecode, hexEncode };
