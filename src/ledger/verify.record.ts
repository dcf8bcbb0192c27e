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
