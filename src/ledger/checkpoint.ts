/**
 * C2SP checkpoints (c2sp.org/tlog-checkpoint) and Ed25519 witness cosignatures
 * (c2sp.org/tlog-cosignature, cosignature/v1).
 */
import { sign } from 'node:crypto';
import { CustosError } from '../core/errors.js';
import { concatBytes, fromBase64, hasForbiddenCharacters, toBase64 } from './bytes.js';
import { HASH_SIZE } from './merkle.js';
import {
  cosignatureMessage,
  formatSignatureLine,
  type OpenedNote,
  openNote,
  parseSignatureLine,
} from './note.js';
import { COSIGNATURE_V1, formatKeyId, type SignerKey, type VerifierKey } from './note.key.js';

/** A log's tree head as a checkpoint body states it. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  /** Opaque extension lines, in order (C2SP discourages them). */
  readonly extensions: readonly string[];
}

function invalidCheckpoint(message: string): CustosError {
  return new CustosError('ledger.invalid_checkpoint', message);
}

function assertLine(what: string, line: string): void {
  if (line === '') throw invalidCheckpoint(`${what} is empty`);
  if (line.includes('\n') || hasForbiddenCharacters(line)) {
    throw invalidCheckpoint(`${what} has a newline, a control character or invalid UTF-8`);
  }
}

/** Formats a checkpoint body: origin, size, base64 root, then extension lines, each ending in '\n'. */
export function formatCheckpoint(checkpoint: {
  origin: string;
  size: number;
  root: Uint8Array;
  extensions?: readonly string[];
}): string {
  const { origin, size, root, extensions = [] } = checkpoint;
  assertLine('origin', origin);
  if (!Number.isSafeInteger(size) || size < 0)
    throw invalidCheckpoint(`tree size ${size} is not a safe integer`);
  if (root.length !== HASH_SIZE)
    throw invalidCheckpoint(`root hash is ${root.length} bytes, not ${HASH_SIZE}`);
  extensions.forEach((line, i) => {
    assertLine(`extension line ${i + 1}`, line);
  });
  return [origin, String(size), toBase64(root), ...extensions].map((line) => `${line}\n`).join('');
}

/** Parses a checkpoint body (the text of an opened note); throws naming the offending line. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw invalidCheckpoint('checkpoint does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3)
    throw invalidCheckpoint(`checkpoint has ${lines.length} lines; it needs origin, size and root`);
  const [origin = '', sizeText = '', rootText = '', ...extensions] = lines;
  assertLine('origin', origin);
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText)) {
    throw invalidCheckpoint(
      `tree size ${JSON.stringify(sizeText)} is not a decimal number without leading zeros`,
    );
  }
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw invalidCheckpoint(`tree size ${sizeText} is larger than 2^53 - 1`);
  const root = fromBase64(rootText);
  if (root === undefined || root.length !== HASH_SIZE) {
    throw invalidCheckpoint(`root hash ${JSON.stringify(rootText)} is not base64 of ${HASH_SIZE} bytes`);
  }
  extensions.forEach((line, i) => {
    assertLine(`extension line ${i + 1}`, line);
  });
  return { origin, size, root, extensions };
}

/** Opens a signed checkpoint: the log key must have signed it; witness keys are checked when present. */
export function openCheckpoint(
  note: string | Uint8Array,
  logKey: VerifierKey,
  witnessKeys: readonly VerifierKey[] = [],
): { checkpoint: Checkpoint; note: OpenedNote } {
  const opened = openNote(note, [logKey, ...witnessKeys]);
  if (!opened.signatures.some((s) => s.name === logKey.name && s.keyId === logKey.keyId)) {
    throw new CustosError(
      'ledger.unverified_note',
      `checkpoint is not signed by the log key ${logKey.name}+${formatKeyId(logKey.keyId)}`,
    );
  }
  return { checkpoint: parseCheckpoint(opened.text), note: opened };
}

function assertTimestamp(unixSeconds: number): void {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0) {
    throw new CustosError(
      'ledger.invalid_signature',
      `cosignature timestamp ${unixSeconds} is not a POSIX time`,
    );
  }
}

/**
 * Cosigns a checkpoint body as witness `key` (type 0x04) at `unixSeconds` and returns the
 * signature line, as a tlog-witness add-checkpoint response carries it.
 */
export function signCosignature(checkpointBody: string, key: SignerKey, unixSeconds: number): string {
  if (key.type !== COSIGNATURE_V1) {
    throw new CustosError('ledger.invalid_key', `key ${key.name} is not a cosignature/v1 (type 0x04) key`);
  }
  assertTimestamp(unixSeconds);
  parseCheckpoint(checkpointBody);
  const timestamp = new Uint8Array(8);
  new DataView(timestamp.buffer).setBigUint64(0, BigInt(unixSeconds));
  const signature = sign(null, cosignatureMessage(checkpointBody, unixSeconds), key.privateKey);
  return formatSignatureLine(key.name, key.keyId, concatBytes(timestamp, signature));
}

/**
 * Verifies one cosignature line (with or without its newline) over a checkpoint body and returns
 * its timestamp; throws when the line is not by `key` or does not verify.
 */
export function verifyCosignature(checkpointBody: string, line: string, key: VerifierKey): number {
  if (key.type !== COSIGNATURE_V1) {
    throw new CustosError('ledger.invalid_key', `key ${key.name} is not a cosignature/v1 (type 0x04) key`);
  }
  const parsed = parseSignatureLine(line.endsWith('\n') ? line.slice(0, -1) : line);
  if (parsed.name !== key.name || parsed.keyId !== key.keyId) {
    throw new CustosError(
      'ledger.unverified_note',
      `cosignature is by ${parsed.name}+${formatKeyId(parsed.keyId)}, not ${key.name}+${formatKeyId(key.keyId)}`,
    );
  }
  // Reuse the note verifier so that cosignatures have exactly one verification path.
  const [signature] = openNote(`${checkpointBody}\n${line.endsWith('\n') ? line : `${line}\n`}`, [
    key,
  ]).signatures;
  return signature?.timestamp as number;
}

/** The timestamp inside a cosignature/v1 signature (the bytes after the key ID). */
export function cosignatureTimestamp(signature: Uint8Array): number {
  if (signature.length !== 8 + 64) {
    throw new CustosError('ledger.invalid_signature', `cosignature is ${signature.length} bytes, not 72`);
  }
  const timestamp = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CustosError('ledger.invalid_signature', `cosignature timestamp ${timestamp} is out of range`);
  }
  return Number(timestamp);
}
