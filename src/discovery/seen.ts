import type { FingerprintSet } from './types.js';

/**
 * The numbers an account has looked up, as keyed 32-bit fingerprints in an open-addressing hash
 * table (linear probing, at most 3/4 full, doubled when it fills): 5.3 to 10.7 bytes a number in
 * memory, 4 in the store. A fingerprint stands for its number, so two numbers that share one are
 * one number to the quota: a new number whose fingerprint matches any of the account's n numbers
 * is looked up free. That happens with probability n / 2^32 per new number: 1.2e-5 for an account
 * at the full allowance of 50,000, so an account that spent it gets about one free number in
 * 86,000. The fingerprints are keyed with a secret of the deployment, so nobody can pick numbers
 * that collide. Fingerprint 0 marks an empty slot; a number whose fingerprint is 0 is stored as 1.
 */
export function createFingerprintSet(initial?: Uint32Array): FingerprintSet {
  const set = new Fingerprints();
  if (initial) for (const value of initial) set.add(value);
  return set;
}

/** Puts `value` in the table unless it is there; true when it was added. */
function insert(table: Uint32Array, value: number): boolean {
  const mask = table.length - 1;
  // The fingerprint is already uniform; its low bits pick the slot.
  let i = value & mask;
  for (;;) {
    const here = table[i] as number;
    if (here === 0) {
      table[i] = value;
      return true;
    }
    if (here === value) return false;
    i = (i + 1) & mask;
  }
}

// Fingerprint 0 marks an empty slot.
const slot = (fingerprint: number) => fingerprint || 1;

// A class rather than an object of closures: a million accounts share one set of methods.
class Fingerprints implements FingerprintSet {
  private table = new Uint32Array(16);
  private count = 0;

  has(fingerprint: number): boolean {
    const value = slot(fingerprint);
    const table = this.table;
    const mask = table.length - 1;
    let i = value & mask;
    for (;;) {
      const here = table[i] as number;
      if (here === 0) return false;
      if (here === value) return true;
      i = (i + 1) & mask;
    }
  }

  add(fingerprint: number): void {
    if ((this.count + 1) * 4 > this.table.length * 3) {
      const next = new Uint32Array(this.table.length * 2);
      for (const value of this.table) if (value !== 0) insert(next, value);
      this.table = next;
    }
    if (insert(this.table, slot(fingerprint))) this.count++;
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.table.byteLength;
  }

  values(): Uint32Array {
    const out = new Uint32Array(this.count);
    let n = 0;
    for (const value of this.table) if (value !== 0) out[n++] = value;
    return out;
  }
}

/** The set as base64 of its fingerprints (4 bytes each, little-endian). */
export function encodeFingerprints(set: FingerprintSet): string {
  const values = set.values();
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** A set from `encodeFingerprints`' text; undefined when the text is not one. */
export function decodeFingerprints(text: string): FingerprintSet | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0 || bytes.toString('base64') !== text) return undefined;
  const values = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readUInt32LE(i * 4);
  return createFingerprintSet(values);
}
