import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';

/**
 * The numbers of one check, read fast: a check may carry thousands, and parsing each with full
 * metadata would cost tens of microseconds apiece. A number is strict E.164 (`+`, a calling code
 * that exists, at most 15 digits) or a client-side keyed hash (64 hex digits). E.164 calling codes
 * are prefix-free, so the code is found by trying one, two and three digits against the set of
 * assigned codes. Whether a number is allocated is not asked here: sweeps walk unallocated blocks
 * too, and those numbers must count.
 */

const e164 = /^\+[1-9]\d{1,14}$/;
const hashed = /^[0-9a-fA-F]{64}$/;

// ITU-T E.164 codes that belong to no country (global services), beside every country's code.
const nonGeographic = ['800', '808', '870', '878', '881', '882', '883', '888', '979'];
const callingCodes: ReadonlySet<string> = new Set([
  ...getCountries().map((country) => getCountryCallingCode(country) as string),
  ...nonGeographic,
]);

/** National digits kept in a destination prefix, after the calling code (as the takeover guard). */
export const prefixNationalDigits = 3;

export interface ReadNumber {
  /** Position in the request. */
  index: number;
  /** The keyed fingerprint the account's set and the quota use. */
  fingerprint: number;
  /** E.164 numbers only: `+`, calling code and three national digits. */
  prefix?: string;
  /** E.164 numbers only: the calling code's digits. */
  callingCode?: string;
  /** E.164 numbers only: the digits as an integer (exact: at most 15 digits). */
  value?: number;
}

export interface ReadBatch {
  numbers: ReadNumber[];
  /** Indexes of entries that are neither E.164 with an assigned calling code nor a hash. */
  invalid: number[];
  /** Indexes of entries repeating an earlier one. */
  duplicates: number[];
  /** How many of `numbers` were hashes. */
  hashes: number;
}

/** The calling code that starts these E.164 digits (without `+`), if any is assigned. */
export function callingCodeOf(digits: string): string | undefined {
  for (let length = 1; length <= 3; length++) {
    const code = digits.slice(0, length);
    if (callingCodes.has(code)) return code;
  }
  return undefined;
}

/** A keyed 32-bit fingerprint function: MurmurHash3's mixing over the text, seeded by the key. */
export function createFingerprinter(key: Buffer): (text: string) => number {
  if (key.length < 8) throw new Error('a fingerprint key needs at least 8 bytes');
  const seed = key.readUInt32LE(0);
  const whitening = key.readUInt32LE(4);
  return (text) => {
    let h = seed;
    for (let i = 0; i < text.length; i++) {
      let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      h ^= Math.imul(k, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    h ^= text.length;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return (h ^ whitening) >>> 0;
  };
}

/** Reads the entries of one check; never throws on an entry, however malformed. */
export function readNumbers(entries: readonly unknown[], fingerprint: (text: string) => number): ReadBatch {
  const numbers: ReadNumber[] = [];
  const invalid: number[] = [];
  const duplicates: number[] = [];
  const seen = new Set<string>();
  let hashes = 0;
  entries.forEach((entry, index) => {
    if (typeof entry !== 'string') {
      invalid.push(index);
      return;
    }
    let key: string;
    let read: ReadNumber;
    if (entry.length <= 16 && e164.test(entry)) {
      const digits = entry.slice(1);
      const callingCode = callingCodeOf(digits);
      if (callingCode === undefined) {
        invalid.push(index);
        return;
      }
      key = entry;
      read = {
        index,
        fingerprint: fingerprint(key),
        prefix: `+${digits.slice(0, callingCode.length + prefixNationalDigits)}`,
        callingCode,
        value: Number(digits),
      };
    } else if (entry.length === 64 && hashed.test(entry)) {
      key = entry.toLowerCase();
      read = { index, fingerprint: fingerprint(key) };
    } else {
      invalid.push(index);
      return;
    }
    if (seen.has(key)) {
      duplicates.push(index);
      return;
    }
    seen.add(key);
    if (read.prefix === undefined) hashes++;
    numbers.push(read);
  });
  return { numbers, invalid, duplicates, hashes };
}
