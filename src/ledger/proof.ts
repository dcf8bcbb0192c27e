/**
 * Offline inclusion proofs in the C2SP tlog-proof format (c2sp.org/tlog-proof): building them from
 * any tlog-tiles log, formatting, parsing and verifying them against a log key and witness policy.
 * Also the checkpoint trust policy (log key, origin, witness quorum) shared with the log verifier.
 */
import { CustosError } from '../core/errors.js';
import { bytesEqual, decodeUtf8, fromBase64, toBase64 } from './bytes.js';
import { type Checkpoint, openCheckpoint, parseCheckpoint } from './checkpoint.js';
import {
  consistencyProof,
  emptyRoot,
  HASH_SIZE,
  hashChildren,
  hashLeaf,
  inclusionProof,
  type NodeReader,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
import { formatKeyId, parseVerifierKey, type VerifierKey } from './note.key.js';
import type { LogSource } from './source.js';
import { TILE_HEIGHT, TILE_WIDTH, tilePath } from './tiles.js';

/** First line of every tlog-proof. */
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
// One hash per tree level; a tree of at most 2^53 leaves has at most 53 levels.
const maxProofHashes = 64;

/** The parts of a tlog-proof. */
export interface TlogProof {
  readonly index: number;
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  readonly checkpointNote: string;
  /** Opaque, unauthenticated application data. */
  readonly extra?: Uint8Array;
}

/** Which checkpoints to trust: signed by the log key, for the expected origin, cosigned by a quorum. */
export interface CheckpointPolicy {
  /** The log's verifier key, parsed or as text. */
  readonly vkey: VerifierKey | string;
  /** The origin line to expect; defaults to the log key's name, as tlog-checkpoint recommends. */
  readonly origin?: string;
  readonly witnessKeys?: readonly (VerifierKey | string)[];
  /** How many of witnessKeys must have cosigned; all of them by default. */
  readonly witnessQuorum?: number;
}

/** A checkpoint that satisfied a CheckpointPolicy. */
export interface TrustedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: string;
  /** The witnesses (name+keyid) whose cosignatures verified. */
  readonly cosigners: readonly string[];
}

function invalidProof(message: string): CustosError {
  return new CustosError('ledger.invalid_proof', message);
}

function keyLabel(key: { name: string; keyId: number }): string {
  return `${key.name}+${formatKeyId(key.keyId)}`;
}

function toKey(key: VerifierKey | string): VerifierKey {
  return typeof key === 'string' ? parseVerifierKey(key.trim()) : key;
}

function noteText(note: string | Uint8Array): string {
  const text = typeof note === 'string' ? note : decodeUtf8(note);
  if (text === undefined)
    throw new CustosError('ledger.invalid_note', 'malformed note: note is not valid UTF-8');
  return text;
}

/** A policy with its keys parsed and its quorum checked. */
export interface ResolvedPolicy {
  readonly vkey: VerifierKey;
  readonly origin: string;
  readonly witnessKeys: readonly VerifierKey[];
  readonly witnessQuorum: number;
}

/** Parses the keys of a policy and checks its quorum; throws for a malformed key or quorum. */
export function resolvePolicy(policy: CheckpointPolicy): ResolvedPolicy {
  const vkey = toKey(policy.vkey);
  const witnessKeys = (policy.witnessKeys ?? []).map(toKey);
  const witnessQuorum = policy.witnessQuorum ?? witnessKeys.length;
  if (!Number.isSafeInteger(witnessQuorum) || witnessQuorum < 0 || witnessQuorum > witnessKeys.length) {
    throw new CustosError(
      'request.invalid',
      `witness quorum ${witnessQuorum} is not between 0 and the ${witnessKeys.length} witness keys given`,
    );
  }
  return { vkey, origin: policy.origin ?? vkey.name, witnessKeys, witnessQuorum };
}

/** Opens a signed checkpoint under `policy`; throws a CustosError saying which rule failed. */
export function openLogCheckpoint(note: string | Uint8Array, policy: CheckpointPolicy): TrustedCheckpoint {
  const { vkey: logKey, origin, witnessKeys: witnesses, witnessQuorum: quorum } = resolvePolicy(policy);
  const text = noteText(note);
  let opened: ReturnType<typeof openCheckpoint>;
  try {
    opened = openCheckpoint(text, logKey, witnesses);
  } catch (error) {
    if (error instanceof CustosError && error.code === 'ledger.unverified_note') {
      const signers = (error.details?.unverified as string[] | undefined) ?? [];
      throw new CustosError(
        'ledger.unverified_note',
        `no signature verifies with key ${keyLabel(logKey)}${signers.length > 0 ? ` (signed by ${signers.join(', ')})` : ''}`,
      );
    }
    if (error instanceof CustosError && error.code === 'ledger.invalid_signature') {
      throw new CustosError('ledger.invalid_signature', `signature does not verify: ${error.message}`);
    }
    throw error;
  }
  const { checkpoint } = opened;
  if (checkpoint.origin !== origin) {
    throw new CustosError(
      'ledger.invalid_checkpoint',
      `origin ${JSON.stringify(checkpoint.origin)} is not the expected ${JSON.stringify(origin)}`,
    );
  }
  const signed = new Set(opened.note.signatures.map(keyLabel));
  const cosigners = witnesses.map(keyLabel).filter((label) => signed.has(label));
  if (cosigners.length < quorum) {
    throw new CustosError(
      'ledger.unverified_note',
      `cosigned by ${cosigners.length} of ${witnesses.length} witnesses${cosigners.length > 0 ? ` (${cosigners.join(', ')})` : ''}; the quorum is ${quorum}`,
    );
  }
  return { checkpoint, note: text, cosigners };
}

/** Parses a checkpoint note's body without checking any signature (for provers, not verifiers). */
export function parseCheckpointNote(note: string | Uint8Array): Checkpoint {
  const text = noteText(note);
  const split = text.lastIndexOf('\n\n');
  if (split < 0)
    throw new CustosError('ledger.invalid_note', 'malformed note: no blank line before the signatures');
  return parseCheckpoint(text.slice(0, split + 1));
}

/** Formats a tlog-proof; the checkpoint note is copied verbatim. */
export function formatProof(proof: TlogProof): string {
  const { index, checkpointNote, extra } = proof;
  if (!Number.isSafeInteger(index) || index < 0) throw invalidProof(`index ${index} is not a safe integer`);
  if (proof.proof.length > maxProofHashes) throw invalidProof(`proof has ${proof.proof.length} hashes`);
  proof.proof.forEach((hash, i) => {
    if (hash.length !== HASH_SIZE)
      throw invalidProof(`proof hash ${i} is ${hash.length} bytes, not ${HASH_SIZE}`);
  });
  if (!checkpointNote.endsWith('\n') || !checkpointNote.includes('\n\n')) {
    throw invalidProof('the checkpoint is not a signed note');
  }
  const lines = [
    TLOG_PROOF_HEADER,
    ...(extra === undefined ? [] : [`extra ${toBase64(extra)}`]),
    `index ${index}`,
    ...proof.proof.map(toBase64),
    '',
  ];
  return `${lines.join('\n')}\n${checkpointNote}`;
}

/** Parses a tlog-proof strictly: every deviation from the format is a ledger.invalid_proof error. */
export function parseProof(input: string | Uint8Array): TlogProof {
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  if (text === undefined) throw invalidProof('malformed tlog-proof: not valid UTF-8');
  let position = 0;
  const nextLine = (what: string): string => {
    const newline = text.indexOf('\n', position);
    if (newline < 0) throw invalidProof(`malformed tlog-proof: it ends before the ${what}`);
    const line = text.slice(position, newline);
    position = newline + 1;
    return line;
  };
  if (nextLine('header') !== TLOG_PROOF_HEADER) {
    throw invalidProof(`malformed tlog-proof: the first line is not ${TLOG_PROOF_HEADER}`);
  }
  let line = nextLine('index line');
  let extra: Uint8Array | undefined;
  if (line.startsWith('extra ')) {
    extra = fromBase64(line.slice('extra '.length));
    if (extra === undefined) throw invalidProof('malformed tlog-proof: the extra line is not base64');
    line = nextLine('index line');
  }
  const indexMatch = /^index (0|[1-9][0-9]*)$/.exec(line);
  const index = Number(indexMatch?.[1]);
  if (!indexMatch || !Number.isSafeInteger(index)) {
    throw invalidProof(`malformed tlog-proof: ${JSON.stringify(line.slice(0, 40))} is not an index line`);
  }
  const proof: Uint8Array[] = [];
  for (line = nextLine('blank line'); line !== ''; line = nextLine('blank line')) {
    const hash = fromBase64(line);
    if (hash === undefined || hash.length !== HASH_SIZE) {
      throw invalidProof(
        `malformed tlog-proof: proof line ${proof.length + 1} is not base64 of ${HASH_SIZE} bytes`,
      );
    }
    if (proof.length === maxProofHashes)
      throw invalidProof(`malformed tlog-proof: over ${maxProofHashes} hashes`);
    proof.push(hash);
  }
  const checkpointNote = text.slice(position);
  if (checkpointNote === '') throw invalidProof('malformed tlog-proof: the checkpoint is missing');
  return extra === undefined ? { index, proof, checkpointNote } : { index, proof, checkpointNote, extra };
}

/** What verifyProof needs besides the proof: the trust policy and the entry (or its leaf hash). */
export type VerifyProofOptions = CheckpointPolicy &
  (
    | { readonly entry: Uint8Array; readonly leafHash?: never }
    | { readonly leafHash: Uint8Array; readonly entry?: never }
  );

/** A verified inclusion. */
export interface VerifiedProof {
  readonly index: number;
  readonly size: number;
  readonly origin: string;
  readonly root: Uint8Array;
  readonly leafHash: Uint8Array;
  readonly cosigners: readonly string[];
  readonly extra?: Uint8Array;
}

/**
 * Verifies a tlog-proof offline: the checkpoint under `options` (key, origin, witnesses), then the
 * inclusion of the entry at the stated index in the checkpoint's tree. Throws on any failure.
 */
export function verifyProof(input: string | Uint8Array, options: VerifyProofOptions): VerifiedProof {
  const hasEntry = options.entry !== undefined;
  if (hasEntry === (options.leafHash !== undefined)) {
    throw new CustosError('request.invalid', 'give exactly one of the entry and its leaf hash');
  }
  const leafHash = options.entry !== undefined ? hashLeaf(options.entry) : (options.leafHash as Uint8Array);
  if (leafHash.length !== HASH_SIZE)
    throw invalidProof(`leaf hash is ${leafHash.length} bytes, not ${HASH_SIZE}`);
  const parsed = parseProof(input);
  const { checkpoint, cosigners } = openLogCheckpoint(parsed.checkpointNote, options);
  verifyInclusion(parsed.index, checkpoint.size, leafHash, parsed.proof, checkpoint.root);
  return {
    index: parsed.index,
    size: checkpoint.size,
    origin: checkpoint.origin,
    root: checkpoint.root,
    leafHash,
    cosigners,
    ...(parsed.extra === undefined ? {} : { extra: parsed.extra }),
  };
}

/** A tile with its inner levels: levels[k][j] is the hash of 2^k consecutive tile hashes. */
type ExpandedTile = Uint8Array[][];

function expandTile(data: Uint8Array, width: number): ExpandedTile {
  const levels: ExpandedTile = [
    Array.from({ length: width }, (_, i) => data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)),
  ];
  for (let k = 1; k < TILE_HEIGHT; k++) {
    const below = levels[k - 1] as Uint8Array[];
    const above: Uint8Array[] = [];
    for (let j = 0; j + 1 < below.length; j += 2) {
      above.push(hashChildren(below[j] as Uint8Array, below[j + 1] as Uint8Array));
    }
    levels.push(above);
  }
  return levels;
}

/**
 * Reads the bytes of hash tile (level, index) of a tree of `size` leaves: the partial tile when
 * the tree ends inside it, falling back to the full tile's prefix (tlog-tiles lets logs delete
 * partial tiles once the full one exists). Returns the path read, or undefined when neither exists.
 */
export async function readHashTile(
  source: LogSource,
  size: number,
  level: number,
  index: number,
): Promise<{ path: string; data: Uint8Array } | undefined> {
  const hashesAtLevel = Math.floor(size / TILE_WIDTH ** level);
  const width = Math.min(TILE_WIDTH, hashesAtLevel - index * TILE_WIDTH);
  if (width <= 0) {
    throw new CustosError('ledger.invalid_range', `tile ${level}/${index} is outside a tree of size ${size}`);
  }
  const exact = tilePath(level, index, width);
  const data = await source.read(exact);
  const check = (path: string, bytes: Uint8Array, expectedWidth: number) => {
    if (bytes.length !== expectedWidth * HASH_SIZE) {
      throw new CustosError(
        'ledger.invalid_tile',
        `${path}: ${bytes.length} bytes; a tile of width ${expectedWidth} has ${expectedWidth * HASH_SIZE}`,
      );
    }
    return { path, data: bytes.subarray(0, width * HASH_SIZE) };
  };
  if (data !== undefined) return check(exact, data, width);
  if (width === TILE_WIDTH) return undefined;
  const full = tilePath(level, index);
  const fullData = await source.read(full);
  return fullData === undefined ? undefined : check(full, fullData, TILE_WIDTH);
}

/**
 * A NodeReader over the hash tiles of a tree of `size` leaves: node (l, i) with l = 8L + k is
 * hashed from 2^k hashes of tile L. Recent tiles are cached with their inner levels.
 */
export function tileNodeReader(source: LogSource, size: number, cacheTiles = 64): NodeReader {
  const cache = new Map<string, Promise<ExpandedTile>>();
  const load = (level: number, index: number): Promise<ExpandedTile> => {
    const key = `${level}/${index}`;
    const cached = cache.get(key);
    if (cached !== undefined) {
      // Re-insert to keep the map in least-recently-used order.
      cache.delete(key);
      cache.set(key, cached);
      return cached;
    }
    const loading = readHashTile(source, size, level, index).then((tile) => {
      if (tile === undefined) {
        const width = Math.min(TILE_WIDTH, Math.floor(size / TILE_WIDTH ** level) - index * TILE_WIDTH);
        throw new CustosError('ledger.invalid_tile', `${tilePath(level, index, width)} is missing`);
      }
      return expandTile(tile.data, tile.data.length / HASH_SIZE);
    });
    loading.catch(() => cache.delete(key));
    cache.set(key, loading);
    if (cache.size > cacheTiles) cache.delete(cache.keys().next().value as string);
    return loading;
  };
  return async (level, index) => {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const k = level % TILE_HEIGHT;
    const first = index * 2 ** k;
    const tileIndex = Math.floor(first / TILE_WIDTH);
    const expanded = await load(tileLevel, tileIndex);
    const hash = expanded[k]?.[(first % TILE_WIDTH) / 2 ** k];
    if (hash === undefined) {
      throw new CustosError(
        'ledger.invalid_range',
        `node (${level}, ${index}) is outside a tree of size ${size}`,
      );
    }
    return hash;
  };
}

/** Reads a log's checkpoint note; throws when it is missing. */
export async function readCheckpointNote(source: LogSource): Promise<string> {
  const bytes = await source.read('checkpoint');
  if (bytes === undefined) {
    throw new CustosError('ledger.source_failed', `${source.describe('checkpoint')} does not exist`);
  }
  return noteText(bytes);
}

/** An inclusion proof built from a tiles log, with its tlog-proof text. */
export interface BuiltProof extends TlogProof {
  readonly text: string;
  readonly size: number;
  readonly origin: string;
  readonly leafHash: Uint8Array;
}

/**
 * Builds the tlog-proof of entry `index` from a log's checkpoint and tiles. With a policy the
 * checkpoint is verified first; either way the proof is checked against the checkpoint's root, so
 * corrupt tiles give an error instead of a proof that fails later.
 */
export async function proveInclusion(
  source: LogSource,
  index: number,
  policy?: CheckpointPolicy,
): Promise<BuiltProof> {
  const checkpointNote = await readCheckpointNote(source);
  const checkpoint = policy
    ? openLogCheckpoint(checkpointNote, policy).checkpoint
    : parseCheckpointNote(checkpointNote);
  if (!Number.isSafeInteger(index) || index < 0 || index >= checkpoint.size) {
    throw new CustosError(
      'ledger.invalid_range',
      `leaf index ${index} is outside the checkpoint's tree of size ${checkpoint.size}`,
    );
  }
  const read = tileNodeReader(source, checkpoint.size);
  const [proof, leafHash] = await Promise.all([inclusionProof(index, checkpoint.size, read), read(0, index)]);
  try {
    verifyInclusion(index, checkpoint.size, leafHash, proof, checkpoint.root);
  } catch {
    throw new CustosError(
      'ledger.invalid_proof',
      `the tiles do not lead to the checkpoint root for leaf ${index} (size ${checkpoint.size}); run ledger verify`,
    );
  }
  const text = formatProof({ index, proof, checkpointNote });
  return { index, proof, checkpointNote, text, size: checkpoint.size, origin: checkpoint.origin, leafHash };
}

/**
 * Checks that `newer` extends `older` using a consistency proof computed from the tiles of the
 * log that `newer` describes. Both checkpoints must already be trusted; throws on rollback or fork.
 */
export async function verifyLogConsistency(
  older: Checkpoint,
  newer: Checkpoint,
  source: LogSource,
): Promise<void> {
  if (older.origin !== newer.origin) {
    throw invalidProof(`the checkpoints are of different logs (${older.origin}, ${newer.origin})`);
  }
  if (older.size > newer.size) {
    throw invalidProof(
      `size ${newer.size} is smaller than the earlier size ${older.size}: the log was rolled back`,
    );
  }
  if (older.size === newer.size || older.size === 0) {
    const expected = older.size === 0 ? emptyRoot() : newer.root;
    if (!bytesEqual(older.root, expected)) {
      throw invalidProof(`two checkpoints of size ${older.size} have different roots: the log forked`);
    }
    return;
  }
  const proof = await consistencyProof(older.size, newer.size, tileNodeReader(source, newer.size));
  try {
    verifyConsistency(older.size, newer.size, proof, older.root, newer.root);
  } catch {
    throw invalidProof(
      `the tree of size ${newer.size} does not extend the earlier tree of size ${older.size}: the log forked`,
    );
  }
}
