/** Custos record proofs (docs/ledger.md, "Record proofs") on the crypto.subtle verifier. */
import { bytesEqual, utf8 } from './bytes.js';
import { base64Decode, hexDecode, hexEncode } from './bytes.portable.js';
import {
  asFailure,
  type CosignatureResult,
  checkpointOrThrow,
  type Ed25519Engine,
  Failure,
  fail,
  inclusionOrThrow,
  leafHash,
  nodeHash,
  sha256,
  type VerifyFailure,
  type VerifyStep,
} from './verify.subtle.js';

export interface VerifiedRecordProof {
  ok: true;
  origin: string;
  size: number;
  rootHex: string;
  index: number;
  leafHashHex: string;
  engine: Ed25519Engine;
  cosignatures: CosignatureResult[];
  /** True when the record's content and salt were checked against the commitment. */
  recordChecked: boolean;
}

/** A Custos record proof as `GET /v1/transparency/...` and the ledger routes return it. */
export interface RecordProofInput {
  recordType: string;
  recordId: string;
  commitment: string;
  index: number;
  entry: string;
  inclusion: readonly string[];
  checkpoint: string;
  batch?: { position: number; count: number; path: readonly string[] } | undefined;
}

function decodeHashes(step: VerifyStep, hashes: readonly string[]): Uint8Array[] {
  return hashes.map((text, i) => {
    const hash = base64Decode(text);
    if (hash?.length !== 32) fail(step, `proof hash ${i} is not base64 of 32 bytes`);
    return hash;
  });
}

/** The record entry `custos.record/v1\n type\n id\n commitment\n` (docs/ledger.md). */
export function recordEntryText(recordType: string, recordId: string, commitment: string): string {
  return `custos.record/v1\n${recordType}\n${recordId}\n${commitment}\n`;
}

/** The record's commitment SHA-256(salt || UTF-8(canonical)), in hex. */
export async function recordCommitment(saltHex: string, canonical: string): Promise<string> {
  const salt = hexDecode(saltHex);
  if (salt?.length !== 32) fail('record', 'the salt is not 64 hex digits');
  return hexEncode(await sha256(salt, utf8(canonical)));
}

/**
 * Verifies a Custos record proof (docs/ledger.md, "Record proofs"): the record against its
 * commitment when given, the entry, the batch path, the checkpoint's signature (and the given
 * witnesses' cosignatures) and the inclusion of the entry in the checkpoint's tree.
 */
export async function verifyRecordProof(
  proof: RecordProofInput,
  logVkey: string,
  options: { record?: { canonical: string; salt: string } | undefined; witnesses?: readonly string[] } = {},
): Promise<VerifiedRecordProof | VerifyFailure> {
  try {
    return await recordProofOrThrow(proof, logVkey, options);
  } catch (error) {
    return asFailure(error);
  }
}

async function recordProofOrThrow(
  proof: RecordProofInput,
  logVkey: string,
  options: { record?: { canonical: string; salt: string } | undefined; witnesses?: readonly string[] },
): Promise<VerifiedRecordProof> {
  const checkpoint = await checkpointOrThrow(proof.checkpoint, logVkey, options.witnesses ?? []);
  if (!/^[0-9a-f]{64}$/.test(proof.commitment))
    fail('record', 'the commitment is not 64 lowercase hex digits');
  if (options.record) {
    const computed = await recordCommitment(options.record.salt, options.record.canonical);
    if (computed !== proof.commitment) {
      throw new Failure({
        ok: false,
        step: 'record',
        message: 'the record and its salt do not hash to the logged commitment',
        computed,
        expected: proof.commitment,
      });
    }
  }
  const own = utf8(recordEntryText(proof.recordType, proof.recordId, proof.commitment));
  const entry = utf8(proof.entry);
  if (proof.entry.startsWith('custos.record/v1\n')) {
    if (!bytesEqual(own, entry)) fail('entry', 'the log entry does not commit to this record');
  } else if (proof.entry.startsWith('custos.batch/v1\n')) {
    const match = /^custos\.batch\/v1\n([1-9][0-9]*)\n([0-9a-f]{64})\n$/.exec(proof.entry);
    if (!match) fail('entry', 'the batch entry is not three lines: header, count and root');
    const count = Number(match[1]);
    if (!proof.batch || proof.batch.count !== count)
      fail('batch', 'the batch path is missing or for another count');
    await inclusionOrThrow(
      proof.batch.position,
      count,
      await leafHash(own),
      decodeHashes('batch', proof.batch.path),
      hexDecode(match[2] as string) as Uint8Array,
      'batch',
    );
  } else {
    fail('entry', 'the log entry is neither a record entry nor a batch entry');
  }
  const leaf = await leafHash(entry);
  await inclusionOrThrow(
    proof.index,
    checkpoint.size,
    leaf,
    decodeHashes('inclusion', proof.inclusion),
    checkpoint.root,
    'inclusion',
  );
  return {
    ok: true,
    origin: checkpoint.origin,
    size: checkpoint.size,
    rootHex: hexEncode(checkpoint.root),
    index: proof.index,
    leafHashHex: hexEncode(leaf),
    engine: checkpoint.engine,
    cosignatures: checkpoint.cosignatures,
    recordChecked: options.record !== undefined,
  };
}

/** RFC 9162 Merkle tree hash over leaf hashes (small trees: a batch's records). */
async function merkleRoot(leaves: readonly Uint8Array[]): Promise<Uint8Array> {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0] as Uint8Array;
  let split = 1;
  while (split * 2 < leaves.length) split *= 2;
  return nodeHash(await merkleRoot(leaves.slice(0, split)), await merkleRoot(leaves.slice(split)));
}

export interface LogEntryInput {
  index: number;
  /** The entry text as the log holds it. */
  entry: string;
  inclusion: readonly string[];
  checkpoint: string;
  /** The records the entry commits to, in batch order; content where the reader may see it. */
  records: readonly { type: string; id: string; commitment: string; canonical?: string; salt?: string }[];
}

export interface VerifiedLogEntry {
  ok: true;
  origin: string;
  size: number;
  rootHex: string;
  leafHashHex: string;
  engine: Ed25519Engine;
  /** How many records' content was hashed to its commitment. */
  recordsChecked: number;
}

/**
 * Verifies one log entry as the console shows it: the checkpoint's signature, each shown record
 * against its commitment, the entry rebuilt from the records (a batch's root recomputed), and the
 * entry's inclusion in the checkpoint's tree.
 */
export async function verifyLogEntry(
  input: LogEntryInput,
  logVkey: string,
): Promise<VerifiedLogEntry | VerifyFailure> {
  try {
    const checkpoint = await checkpointOrThrow(input.checkpoint, logVkey, []);
    let recordsChecked = 0;
    const own: Uint8Array[] = [];
    for (const record of input.records) {
      if (record.canonical !== undefined && record.salt !== undefined) {
        const computed = await recordCommitment(record.salt, record.canonical);
        if (computed !== record.commitment) {
          throw new Failure({
            ok: false,
            step: 'record',
            message: `record ${record.id} and its salt do not hash to its commitment`,
            computed,
            expected: record.commitment,
          });
        }
        recordsChecked++;
      }
      own.push(utf8(recordEntryText(record.type, record.id, record.commitment)));
    }
    const entry = utf8(input.entry);
    if (own.length === 1) {
      if (!bytesEqual(own[0] as Uint8Array, entry))
        fail('entry', 'the entry is not the record entry of its record');
    } else {
      const match = /^custos\.batch\/v1\n([1-9][0-9]*)\n([0-9a-f]{64})\n$/.exec(input.entry);
      if (!match || Number(match[1]) !== own.length)
        fail('entry', 'the entry is not a batch of these records');
      const computed = await merkleRoot(await Promise.all(own.map(leafHash)));
      const expected = hexDecode(match[2] as string) as Uint8Array;
      if (!bytesEqual(computed, expected)) {
        fail('batch', 'the records do not hash to the batch root', { computed, expected });
      }
    }
    const leaf = await leafHash(entry);
    const hashes = decodeHashes('inclusion', input.inclusion);
    await inclusionOrThrow(input.index, checkpoint.size, leaf, hashes, checkpoint.root, 'inclusion');
    return {
      ok: true,
      origin: checkpoint.origin,
      size: checkpoint.size,
      rootHex: hexEncode(checkpoint.root),
      leafHashHex: hexEncode(leaf),
      engine: checkpoint.engine,
      recordsChecked,
    };
  } catch (error) {
    return asFailure(error);
  }
}
