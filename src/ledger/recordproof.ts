import { CustosError } from '../core/errors.js';
import { fromBase64 } from './bytes.js';
import { openCheckpoint } from './checkpoint.js';
import { parseEntry, recordCommitment, recordEntry } from './entry.js';
import { hashLeaf, verifyInclusion } from './merkle.js';
import { parseVerifierKey } from './note.key.js';

/**
 * Everything needed to prove, offline, that one record was logged: the entry, its inclusion in a
 * signed checkpoint, and for a batched record its path inside the batch. JSON-safe.
 */
export interface RecordProof {
  recordType: string;
  recordId: string;
  /** Hex SHA-256 of salt and canonical record; the record itself may have been erased. */
  commitment: string;
  index: number;
  /** The log entry's text. */
  entry: string;
  /** Base64 hashes of the inclusion proof of `index` in the checkpoint's tree. */
  inclusion: string[];
  /** The signed checkpoint the proof leads to. */
  checkpoint: string;
  batch?: { position: number; count: number; path: string[] };
}

function decodeHashes(what: string, hashes: readonly string[]): Uint8Array[] {
  return hashes.map((text, i) => {
    const hash = fromBase64(text);
    if (hash?.length !== 32)
      throw new CustosError('ledger.invalid_proof', `${what} hash ${i} is not 32 bytes of base64`);
    return hash;
  });
}

/**
 * Verifies a record proof against the log's verifier key. With `record` (its canonical JSON and
 * hex salt), also checks that this exact record is the one committed to. Throws on any failure.
 */
export function verifyRecordProof(
  proof: RecordProof,
  vkey: string,
  record?: { canonical: string; salt: string },
): { size: number; origin: string } {
  const { checkpoint } = openCheckpoint(proof.checkpoint, parseVerifierKey(vkey));
  const entryBytes = Buffer.from(proof.entry, 'utf8');
  verifyInclusion(
    proof.index,
    checkpoint.size,
    hashLeaf(entryBytes),
    decodeHashes('inclusion', proof.inclusion),
    checkpoint.root,
  );
  const ownEntry = recordEntry(proof.recordType, proof.recordId, Buffer.from(proof.commitment, 'hex'));
  const parsed = parseEntry(entryBytes);
  if (parsed.kind === 'record') {
    if (!Buffer.from(ownEntry).equals(entryBytes)) {
      throw new CustosError('ledger.invalid_proof', 'the entry does not commit to this record');
    }
  } else {
    if (!proof.batch || proof.batch.count !== parsed.count) {
      throw new CustosError('ledger.invalid_proof', 'a batched record needs its path in the batch');
    }
    verifyInclusion(
      proof.batch.position,
      proof.batch.count,
      hashLeaf(ownEntry),
      decodeHashes('batch', proof.batch.path),
      Buffer.from(parsed.root, 'hex'),
    );
  }
  if (record) {
    const commitment = recordCommitment(Buffer.from(record.salt, 'hex'), record.canonical).toString('hex');
    if (commitment !== proof.commitment) {
      throw new CustosError('ledger.invalid_proof', 'the record and salt do not match the commitment');
    }
  }
  return { size: checkpoint.size, origin: checkpoint.origin };
}
