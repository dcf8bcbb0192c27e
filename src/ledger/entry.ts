import { hash, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { CustosError } from '../core/errors.js';
import { utf8 } from './bytes.js';
import { hashLeaf, rootFromLeafHashes } from './merkle.hash.js';

/**
 * What the ledger commits to: a record kept in the store (who, what, when, why, decision). The log
 * holds only a commitment to it, so the record can be erased while the log stays verifiable.
 */
export interface LedgerRecord {
  /** Dotted kind, e.g. `access.check`, `access.grant.approved`. */
  type: string;
  /** The record's own id, e.g. `chk_01J…`. */
  id: string;
  /** The record body; any JSON value, canonicalised (RFC 8785) before hashing. */
  body: unknown;
}

export const recordTypePattern = /^[a-z][a-z0-9_.-]{0,63}$/;
export const recordIdPattern = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The largest canonical record body accepted, so one record can never stall the log. */
export const maxRecordBytes = 256 * 1024;

/** A record made ready to log: canonical bytes, fresh salt, commitment and its entry line. */
export interface SealedRecord {
  type: string;
  id: string;
  canonical: string;
  salt: Buffer;
  commitment: Buffer;
  /** The entry bytes that commit to this record alone. */
  entry: Uint8Array;
}

/** RFC 8785 canonical JSON of a record body; throws on values JSON cannot carry. */
export function canonicalBody(body: unknown): string {
  if (!isJson(body, 0)) throw new CustosError('ledger.invalid_record', 'a ledger record body must be JSON');
  try {
    // Also throws on lone surrogates in strings.
    return canonicalize(body) as string;
  } catch {
    throw new CustosError('ledger.invalid_record', 'a ledger record body must be JSON');
  }
}

// Deeper than any record Custos writes, and a stop for cycles.
const maxJsonDepth = 64;

/**
 * Whether `value` is JSON as RFC 8785 reads it: canonicalize would otherwise write a function
 * or symbol inside an object as a bare `undefined`, drop one from an array, and leave an array
 * hole as an empty slot, none of which is the JSON the caller meant. Object members that are
 * undefined are left out, as JSON.stringify does.
 */
function isJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth >= maxJsonDepth) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isJson(value[i], depth + 1)) return false;
        }
        return true;
      }
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return isJson(toJSON.call(value), depth + 1);
      for (const key of Object.keys(value)) {
        const member = (value as Record<string, unknown>)[key];
        if (member !== undefined && !isJson(member, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** SHA-256(salt || canonical bytes): what the log commits to for one record. */
export function recordCommitment(salt: Uint8Array, canonical: string): Buffer {
  // One-shot hashing over one buffer: cheaper than a streaming hash object on the append path.
  const input = Buffer.allocUnsafe(salt.length + Buffer.byteLength(canonical));
  input.set(salt, 0);
  input.write(canonical, salt.length, 'utf8');
  return hash('sha256', input, 'buffer');
}

/**
 * The entry for one record: four text lines, readable by any auditor with `sed`.
 * `custos.record/v1`, the record type, the record id, and the hex commitment.
 */
export function recordEntry(type: string, id: string, commitment: Uint8Array): Uint8Array {
  return utf8(`custos.record/v1\n${type}\n${id}\n${Buffer.from(commitment).toString('hex')}\n`);
}

/**
 * The entry for a batch: the RFC 9162 root over the batch's record entries (as leaves), so a
 * record's proof is its path inside the batch plus the batch entry's inclusion proof.
 */
export function batchEntry(recordEntries: readonly Uint8Array[]): Uint8Array {
  const root = rootFromLeafHashes(recordEntries.map(hashLeaf));
  return utf8(`custos.batch/v1\n${recordEntries.length}\n${Buffer.from(root).toString('hex')}\n`);
}

/** Validates and seals records; one call draws the salts for all of them at once. */
export function sealRecords(records: readonly LedgerRecord[]): SealedRecord[] {
  const salts = randomBytes(32 * records.length);
  return records.map((record, i) => {
    if (!recordTypePattern.test(record.type)) {
      throw new CustosError(
        'ledger.invalid_record',
        `invalid ledger record type: ${record.type.slice(0, 80)}`,
      );
    }
    if (!recordIdPattern.test(record.id)) {
      throw new CustosError('ledger.invalid_record', `invalid ledger record id: ${record.id.slice(0, 80)}`);
    }
    const canonical = canonicalBody(record.body);
    if (canonical.length > maxRecordBytes) {
      throw new CustosError(
        'ledger.invalid_record',
        `ledger record ${record.id} is larger than ${maxRecordBytes} bytes`,
      );
    }
    const salt = salts.subarray(32 * i, 32 * (i + 1));
    const commitment = recordCommitment(salt, canonical);
    return {
      type: record.type,
      id: record.id,
      canonical,
      salt,
      commitment,
      entry: recordEntry(record.type, record.id, commitment),
    };
  });
}

export type ParsedEntry =
  | { kind: 'record'; type: string; id: string; commitment: string }
  | { kind: 'batch'; count: number; root: string };

/** Reads an entry written by Custos; throws `ledger.invalid_entry` for anything else. */
export function parseEntry(bytes: Uint8Array): ParsedEntry {
  const text = Buffer.from(bytes).toString('utf8');
  const lines = text.split('\n');
  const bad = (why: string) => new CustosError('ledger.invalid_entry', `not a Custos ledger entry: ${why}`);
  if (lines.at(-1) !== '') throw bad('it does not end in a newline');
  if (lines[0] === 'custos.record/v1' && lines.length === 5) {
    const [, type = '', id = '', commitment = ''] = lines;
    if (!recordTypePattern.test(type) || !recordIdPattern.test(id) || !/^[0-9a-f]{64}$/.test(commitment)) {
      throw bad('malformed record entry');
    }
    return { kind: 'record', type, id, commitment };
  }
  if (lines[0] === 'custos.batch/v1' && lines.length === 4) {
    const [, count = '', root = ''] = lines;
    if (!/^[1-9][0-9]{0,6}$/.test(count) || !/^[0-9a-f]{64}$/.test(root)) throw bad('malformed batch entry');
    return { kind: 'batch', count: Number(count), root };
  }
  throw bad('unknown header');
}
