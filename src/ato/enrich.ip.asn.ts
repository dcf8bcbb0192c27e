import { readFileSync } from 'node:fs';
import { CustosError } from '../core/errors.js';
import { formatIpv4 } from '../core/ip.js';

/**
 * The IP-to-ASN table of @ip-location-db/asn (`start,end,asn,org` with inclusive integer bounds,
 * sorted) held as typed arrays and searched by bisection. About 412,000 IPv4 and 103,000 IPv6
 * rows: as objects they would cost tens of megabytes of heap and long collector pauses; as
 * arrays they cost 16 bytes (IPv4) or 40 bytes (IPv6) a row, and each organisation name is
 * stored once.
 *
 * IPv6 bounds are kept whole, as four 32-bit words each, rather than by their top 64 bits: the
 * table has a few hundred ranges smaller than a /64 (registry anycast blocks), which a 64-bit key
 * could not tell apart, and words compare without allocating BigInts on every lookup.
 */
export interface AsnTable {
  /** Row of the IPv4 range holding the address, or -1. */
  findIpv4(value: number): number;
  /** Row of the IPv6 range holding the address, or -1. */
  findIpv6(words: Uint32Array): number;
  ipv4: AsnRows;
  ipv6: AsnRows;
  /** First and last address of every IPv4 range of `asn`, in address order. */
  ipv4RangesOf(asn: number): Array<[string, string]>;
}

/** One family's rows: bounds (1 or 4 words per bound), ASN and an index into `orgs`. */
export interface AsnRows {
  count: number;
  starts: Uint32Array;
  ends: Uint32Array;
  asns: Uint32Array;
  orgIds: Uint32Array;
  orgs: string[];
}

function fail(file: string, line: number, why: string): never {
  throw new CustosError('config.invalid', `ASN table ${file}, line ${line}: ${why}`, { file, line });
}

/**
 * Parses the CSV into rows. Numbers are read in place; the organisation (quoted, with `""` for a
 * quote, when it holds a comma) is compared in place with the name last stored for the same AS,
 * which nearly always matches: creating and hashing a string per row was most of the parse time.
 * A row overlapping the one before (the June 2026 IPv4 file has one: two US Department of Defense
 * networks) is cut to start after it, and a row inside it is dropped, so bisection stays exact.
 */
function parseTable(text: string, file: string, wordsPerBound: 1 | 4): AsnRows {
  let capacity = 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) capacity++;
  const starts = new Uint32Array(capacity * wordsPerBound);
  const ends = new Uint32Array(capacity * wordsPerBound);
  const asns = new Uint32Array(capacity);
  const orgIds = new Uint32Array(capacity);
  const orgs: string[] = [];
  const orgIndex = new Map<string, number>();
  const orgOfAsn = new Map<number, number>();
  const start = new Uint32Array(4);
  const end = new Uint32Array(4);
  const previousEnd = new Uint32Array(4);
  let hasPrevious = false;
  let count = 0;
  let at = 0;
  let line = 0;

  const readBound = (target: Uint32Array, from: number, to: number): boolean =>
    wordsPerBound === 1 ? readUint32(text, from, to, target) : readUint128(text, from, to, target);

  while (at < text.length) {
    line++;
    let lineEnd = text.indexOf('\n', at);
    if (lineEnd < 0) lineEnd = text.length;
    const c1 = text.indexOf(',', at);
    const c2 = c1 < 0 ? -1 : text.indexOf(',', c1 + 1);
    const c3 = c2 < 0 ? -1 : text.indexOf(',', c2 + 1);
    if (c3 < 0 || c3 > lineEnd) {
      if (text.slice(at, lineEnd).trim() !== '') fail(file, line, 'expected start,end,asn,org');
      at = lineEnd + 1;
      continue;
    }
    if (!readBound(start, at, c1) || !readBound(end, c1 + 1, c2))
      fail(
        file,
        line,
        `start and end must be ${wordsPerBound === 1 ? 'IPv4' : 'IPv6'} addresses as whole numbers`,
      );
    const asn = decimalAt(text, c2 + 1, c3);
    if (asn < 0 || asn > 0xffffffff) fail(file, line, 'the ASN must be a whole number below 2^32');

    let orgFrom = c3 + 1;
    let orgTo = lineEnd > orgFrom && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
    let quoted: string | undefined;
    if (text.charCodeAt(orgFrom) === 34) {
      let close = orgFrom;
      for (;;) {
        close = text.indexOf('"', close + 1);
        if (close < 0) fail(file, line, 'unterminated quoted organisation');
        if (text.charCodeAt(close + 1) !== 34) break;
        close++;
      }
      quoted = detached(text.slice(orgFrom + 1, close).replaceAll('""', '"'));
      lineEnd = text.indexOf('\n', close);
      if (lineEnd < 0) lineEnd = text.length;
      orgFrom = orgTo = -1;
    }
    at = lineEnd + 1;

    if (compareWords(end, 0, start, wordsPerBound) < 0) fail(file, line, 'the range ends before it starts');
    if (hasPrevious && compareWords(start, 0, previousEnd, wordsPerBound) <= 0) {
      if (compareWords(end, 0, previousEnd, wordsPerBound) <= 0) continue;
      start.set(previousEnd);
      increment(start, wordsPerBound);
    }
    previousEnd.set(end);
    hasPrevious = true;

    let orgId = orgOfAsn.get(asn);
    const known = orgId === undefined ? undefined : (orgs[orgId] as string);
    const same =
      known !== undefined &&
      (quoted !== undefined
        ? known === quoted
        : known.length === orgTo - orgFrom && text.startsWith(known, orgFrom));
    if (!same) {
      const org = quoted ?? detached(text.slice(orgFrom, orgTo));
      orgId = orgIndex.get(org);
      if (orgId === undefined) {
        orgId = orgs.length;
        orgs.push(org);
        orgIndex.set(org, orgId);
      }
      orgOfAsn.set(asn, orgId);
    }
    for (let w = 0; w < wordsPerBound; w++) {
      starts[count * wordsPerBound + w] = start[w] as number;
      ends[count * wordsPerBound + w] = end[w] as number;
    }
    asns[count] = asn;
    orgIds[count] = orgId as number;
    count++;
  }
  return {
    count,
    starts: starts.slice(0, count * wordsPerBound),
    ends: ends.slice(0, count * wordsPerBound),
    asns: asns.slice(0, count),
    orgIds: orgIds.slice(0, count),
    orgs,
  };
}

/**
 * A copy of `text` sharing no memory with the string it was sliced from: V8 keeps a long slice as
 * a view of its parent, so one retained name would keep the whole decoded file (21 MB) alive.
 */
function detached(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** The decimal number in `text[from, to)` (at most 15 digits), or -1 when it is not one. */
function decimalAt(text: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function readUint32(text: string, from: number, to: number, target: Uint32Array): boolean {
  const value = decimalAt(text, from, to);
  if (value < 0 || value > 0xffffffff) return false;
  target[0] = value;
  return true;
}

/**
 * Reads a decimal number below 2^128 into four 32-bit words, by schoolbook multiplication over
 * eight 16-bit limbs (each step stays far below 2^53, so plain numbers are exact).
 */
function readUint128(text: string, from: number, to: number, target: Uint32Array): boolean {
  if (to <= from || to - from > 39) return false;
  const limbs = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = from; i < to; i++) {
    let carry = text.charCodeAt(i) - 48;
    if (carry < 0 || carry > 9) return false;
    for (let l = 7; l >= 0; l--) {
      const product = (limbs[l] as number) * 10 + carry;
      limbs[l] = product & 0xffff;
      carry = product >>> 16;
    }
    if (carry !== 0) return false;
  }
  for (let w = 0; w < 4; w++)
    target[w] = (((limbs[2 * w] as number) << 16) | (limbs[2 * w + 1] as number)) >>> 0;
  return true;
}

/** Adds one to a bound of `words` 32-bit words, big-endian. */
function increment(bound: Uint32Array, words: number): void {
  for (let w = words - 1; w >= 0; w--) {
    bound[w] = ((bound[w] as number) + 1) >>> 0;
    if (bound[w] !== 0) return;
  }
}

/** -1, 0 or 1 as the bound at `row` of `bounds` compares with `value` (`words` words each). */
function compareWords(bounds: Uint32Array, row: number, value: Uint32Array, words: number): number {
  const base = row * words;
  for (let w = 0; w < words; w++) {
    const a = bounds[base + w] as number;
    const b = value[w] as number;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** Parses the IPv4 table (`asn-ipv4-num.csv`). */
export function parseAsnIpv4(text: string, file = 'ipv4'): AsnRows {
  return parseTable(text, file, 1);
}

/** Parses the IPv6 table (`asn-ipv6-num.csv`). */
export function parseAsnIpv6(text: string, file = 'ipv6'): AsnRows {
  return parseTable(text, file, 4);
}

/** Builds the lookups over parsed rows. */
export function createAsnTable(ipv4: AsnRows, ipv6: AsnRows): AsnTable {
  return {
    ipv4,
    ipv6,
    findIpv4(value) {
      let low = 0;
      let high = ipv4.count - 1;
      let found = -1;
      while (low <= high) {
        const mid = (low + high) >>> 1;
        if ((ipv4.starts[mid] as number) <= value) {
          found = mid;
          low = mid + 1;
        } else {
          high = mid - 1;
        }
      }
      return found >= 0 && value <= (ipv4.ends[found] as number) ? found : -1;
    },
    findIpv6(words) {
      let low = 0;
      let high = ipv6.count - 1;
      let found = -1;
      while (low <= high) {
        const mid = (low + high) >>> 1;
        if (compareWords(ipv6.starts, mid, words, 4) <= 0) {
          found = mid;
          low = mid + 1;
        } else {
          high = mid - 1;
        }
      }
      return found >= 0 && compareWords(ipv6.ends, found, words, 4) >= 0 ? found : -1;
    },
    ipv4RangesOf(asn) {
      const ranges: Array<[string, string]> = [];
      for (let row = 0; row < ipv4.count; row++)
        if (ipv4.asns[row] === asn)
          ranges.push([formatIpv4(ipv4.starts[row] as number), formatIpv4(ipv4.ends[row] as number)]);
      return ranges;
    },
  };
}

const loaded = new Map<string, AsnTable | CustosError>();

/**
 * The table from the two CSV files, read and parsed once per process and then shared: every app
 * a test suite builds, and every enricher, uses the same arrays. A failure is remembered too, so
 * a broken file costs one parse, not one per lookup.
 */
export function loadAsnTable(ipv4File: string, ipv6File: string): AsnTable {
  const key = `${ipv4File}\n${ipv6File}`;
  let table = loaded.get(key);
  if (!table) {
    try {
      table = createAsnTable(
        parseAsnIpv4(readText(ipv4File), ipv4File),
        parseAsnIpv6(readText(ipv6File), ipv6File),
      );
    } catch (error) {
      table = error instanceof CustosError ? error : new CustosError('internal', String(error));
    }
    loaded.set(key, table);
  }
  if (table instanceof CustosError) throw table;
  return table;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CustosError(
      'config.invalid',
      `cannot read the ASN table ${file}: ${(error as Error).message}`,
      {
        file,
      },
    );
  }
}
