import { createReadStream, statSync } from 'node:fs';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CanaryKind } from './canaries.js';
import { callingCodeOf } from './numbers.js';

/**
 * Leak attribution: a leaked list of numbers read line by line (text or CSV, tens of millions of
 * lines), its coverage, and the canary numbers in it traced to the accounts they were answered
 * to. Reading is streaming and per line cheap: the number is the first field that looks like an
 * international number (`+44…`, `0044…` or bare digits); its calling code is counted exactly;
 * country and number type come from a uniform sample parsed with libphonenumber's full metadata
 * (parsing every line would cost tens of microseconds each).
 */

export interface DumpScan {
  lines: number;
  parsed: number;
  rejected: number;
  /** Parsed numbers by calling code, exact. */
  byCallingCode: Record<string, number>;
  /** A uniform sample of parsed numbers, with the countries and types libphonenumber gives them. */
  sample: { size: number; byCountry: Record<string, number>; byType: Record<string, number> };
  /** Distinct canary numbers in the dump, and lines in honey ranges. */
  canaries: string[];
  honey: number;
}

const sampleSize = 20_000;
const separators = /[,;\t|]/;

/** The international number a dump line holds, E.164, or undefined. */
export function numberOfLine(line: string): string | undefined {
  const fields = separators.test(line) ? line.split(separators) : [line];
  for (const raw of fields) {
    let text = raw.trim();
    if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) text = text.slice(1, -1);
    text = text.replace(/[\s().-]/g, '');
    if (text.startsWith('00')) text = `+${text.slice(2)}`;
    else if (!text.startsWith('+')) text = `+${text}`;
    if (text.length < 9 || text.length > 16) continue;
    let digits = true;
    for (let i = 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) {
        digits = false;
        break;
      }
    }
    if (!digits || text.charCodeAt(1) === 48) continue;
    if (callingCodeOf(text.slice(1)) !== undefined) return text;
  }
  return undefined;
}

// ASCII whitespace as String.prototype.trim and \s see it (tab, line feed, vertical tab, form
// feed, carriage return, space).
const isSpace = (byte: number) => byte === 32 || (byte >= 9 && byte <= 13);
const isSeparator = (byte: number) => byte === 44 || byte === 59 || byte === 9 || byte === 124;
// Dropped inside a field, as numberOfLine drops them: whitespace, ( ) . and -.
const isFiller = (byte: number) => isSpace(byte) || byte === 40 || byte === 41 || byte === 46 || byte === 45;

/**
 * numberOfLine over the bytes of one ASCII line, without making a string of the line: the same
 * fields, the same trimming, quotes and fillers, the same checks. `scratch` holds a field's kept
 * bytes (a line longer than it is read as a string instead, by the caller).
 */
function numberOfBytes(bytes: Buffer, start: number, end: number, scratch: Buffer): string | undefined {
  let field = start;
  while (field <= end) {
    let stop = field;
    while (stop < end && !isSeparator(bytes[stop] as number)) stop++;
    let from = field;
    let to = stop;
    field = stop + 1;
    while (from < to && isSpace(bytes[from] as number)) from++;
    while (to > from && isSpace(bytes[to - 1] as number)) to--;
    if (to - from >= 2 && bytes[from] === 34 && bytes[to - 1] === 34) {
      from++;
      to--;
    }
    // Kept bytes go after a leading '+' slot, so '00…' and bare digits become '+…' in place.
    // At most 17 kept bytes ('00' and 15 digits) can make a number; more are not one.
    let kept = 1;
    for (let i = from; i < to && kept <= 18; i++) {
      const byte = bytes[i] as number;
      if (!isFiller(byte)) scratch[kept++] = byte;
    }
    if (kept < 2 || kept > 18) continue;
    let first = 1;
    if (scratch[1] === 43)
      first = 2; // '+'
    else if (kept >= 3 && scratch[1] === 48 && scratch[2] === 48) first = 3; // '00'
    const length = kept - first + 1;
    if (length < 9 || length > 16) continue;
    let digits = true;
    for (let i = first; i < kept; i++) {
      const byte = scratch[i] as number;
      if (byte < 48 || byte > 57) {
        digits = false;
        break;
      }
    }
    if (!digits || scratch[first] === 48) continue;
    scratch[first - 1] = 43;
    const text = scratch.toString('latin1', first - 1, kept);
    if (callingCodeOf(text.slice(1)) !== undefined) return text;
  }
  return undefined;
}

/** Whether bytes[start, end) are all ASCII whitespace (or there are none). */
function blank(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(bytes[i] as number)) return false;
  return true;
}

/** Whether bytes[start, end) are all ASCII. */
function ascii(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((bytes[i] as number) > 127) return false;
  return true;
}

/**
 * Reads a dump; `onProgress` gets bytes read and the file's size. Lines end at LF, CRLF or a lone
 * CR, as readline splits them, and are read from 1 MiB blocks byte by byte: a line of ASCII is
 * never made a string unless it holds a number; any other line is decoded as UTF-8 and read by
 * numberOfLine.
 */
export async function scanDump(
  file: string,
  canaries: { kind(e164: string): CanaryKind | undefined },
  options: { onProgress?: (done: number, total: number) => void; random?: () => number } = {},
): Promise<DumpScan> {
  const total = statSync(file).size;
  const random = options.random ?? Math.random;
  const scan: DumpScan = {
    lines: 0,
    parsed: 0,
    rejected: 0,
    byCallingCode: {},
    sample: { size: 0, byCountry: {}, byType: {} },
    canaries: [],
    honey: 0,
  };
  const counts = new Map<string, number>();
  const found = new Set<string>();
  const reservoir: string[] = [];
  const scratch = Buffer.alloc(32);

  function line(bytes: Buffer, start: number, end: number): void {
    scan.lines++;
    let number: string | undefined;
    if (ascii(bytes, start, end)) {
      number = numberOfBytes(bytes, start, end, scratch);
      if (number === undefined) {
        if (!blank(bytes, start, end)) scan.rejected++;
        return;
      }
    } else {
      const text = bytes.toString('utf8', start, end);
      number = numberOfLine(text);
      if (number === undefined) {
        if (text.trim() !== '') scan.rejected++;
        return;
      }
    }
    scan.parsed++;
    const code = callingCodeOf(number.slice(1)) as string;
    counts.set(code, (counts.get(code) ?? 0) + 1);
    const kind = canaries.kind(number);
    if (kind === 'canary') found.add(number);
    else if (kind === 'honey') scan.honey++;
    // Reservoir sampling (Vitter's algorithm R): every parsed number equally likely to be kept.
    if (reservoir.length < sampleSize) reservoir.push(number);
    else {
      const slot = Math.floor(random() * scan.parsed);
      if (slot < sampleSize) reservoir[slot] = number;
    }
  }

  /**
   * Reads the whole lines of `bytes`; returns where the unfinished last line starts. A CR at the
   * very end is left unfinished unless `last`, since an LF may follow it in the next block.
   */
  function lines(bytes: Buffer, last: boolean): number {
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      if (byte !== 10 && byte !== 13) continue;
      if (byte === 13 && i + 1 === bytes.length && !last) break;
      line(bytes, start, i);
      if (byte === 13 && bytes[i + 1] === 10) i++;
      start = i + 1;
    }
    if (last && start < bytes.length) {
      line(bytes, start, bytes.length);
      return bytes.length;
    }
    return start;
  }

  const maxLine = 1 << 20;
  const overlong = Buffer.from('overlong');
  const stream = createReadStream(file, { highWaterMark: maxLine });
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let block = chunk;
    if (carry.length > 0) {
      // The carried line ends at this block's first line end; a CR that ends the block may be
      // half of a CRLF, so it waits for the next one.
      let end = 0;
      while (end < chunk.length && chunk[end] !== 10 && chunk[end] !== 13) end++;
      if (end === chunk.length || (chunk[end] === 13 && end + 1 === chunk.length)) {
        // A line longer than a block holds no number a dump means: it is kept only to be counted.
        carry = carry.length + chunk.length > maxLine ? overlong : Buffer.concat([carry, chunk]);
        continue;
      }
      if (carry === overlong) {
        scan.lines++;
        scan.rejected++;
      } else {
        const head = Buffer.concat([carry, chunk.subarray(0, end)]);
        line(head, 0, head.length);
      }
      block = chunk.subarray(end + (chunk[end] === 13 && chunk[end + 1] === 10 ? 2 : 1));
    }
    carry = Buffer.from(block.subarray(lines(block, false)));
    options.onProgress?.(stream.bytesRead, total);
  }
  if (carry === overlong) {
    scan.lines++;
    scan.rejected++;
  } else if (carry.length > 0) lines(carry, true);
  options.onProgress?.(total, total);
  scan.byCallingCode = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
  for (const number of reservoir) {
    const parsed = parsePhoneNumberFromString(number);
    const country = parsed?.country ?? 'unknown';
    const type = parsed?.isValid() ? (parsed.getType()?.toLowerCase() ?? 'unknown') : 'invalid';
    scan.sample.byCountry[country] = (scan.sample.byCountry[country] ?? 0) + 1;
    scan.sample.byType[type] = (scan.sample.byType[type] ?? 0) + 1;
  }
  scan.sample.size = reservoir.length;
  scan.canaries = [...found].sort();
  return scan;
}

/** One canary number answered "registered" to an account (discovery_canary_hits). */
export interface ExposureRow {
  number: string;
  account: string;
  cohort: string;
  period: number;
  at: number;
}

export interface Suspect {
  account: string;
  /** Dump canaries answered "registered" to this account. */
  canaries: number;
  /** Share of the dump's canaries this account explains. */
  coverage: number;
  cohorts: string[];
  /** When it was answered them: the scrape's window. */
  from: number;
  to: number;
  /**
   * The chance that this many of the dump's canaries would fall in the registered share of a
   * cohort with no part in the dump (density^k): the smaller, the surer.
   */
  chance: number;
}

export interface Attribution {
  canaries: number;
  explained: number;
  /** Dump canaries never answered "registered" to anyone (the first 50). */
  unexplained: string[];
  suspects: Suspect[];
  cohorts: { cohort: string; period: number; from: number; to: number; canaries: number }[];
}

/** Traces a dump's canaries to the accounts and cohorts they were answered to. */
export function attribute(
  dumpCanaries: readonly string[],
  exposures: readonly ExposureRow[],
  settings: { density: number; rotation: number },
): Attribution {
  const explainedNumbers = new Set(exposures.map((e) => e.number));
  const byAccount = new Map<
    string,
    { numbers: Set<string>; cohorts: Set<string>; from: number; to: number }
  >();
  const byCohort = new Map<string, { cohort: string; period: number; numbers: Set<string> }>();
  for (const e of exposures) {
    const entry = byAccount.get(e.account) ?? {
      numbers: new Set(),
      cohorts: new Set(),
      from: e.at,
      to: e.at,
    };
    entry.numbers.add(e.number);
    entry.cohorts.add(e.cohort);
    entry.from = Math.min(entry.from, e.at);
    entry.to = Math.max(entry.to, e.at);
    byAccount.set(e.account, entry);
    const key = `${e.cohort}@${e.period}`;
    const cohort = byCohort.get(key) ?? { cohort: e.cohort, period: e.period, numbers: new Set() };
    cohort.numbers.add(e.number);
    byCohort.set(key, cohort);
  }
  const total = dumpCanaries.length;
  const suspects: Suspect[] = [...byAccount]
    .map(([account, e]) => ({
      account,
      canaries: e.numbers.size,
      coverage: total === 0 ? 0 : e.numbers.size / total,
      cohorts: [...e.cohorts].sort(),
      from: e.from,
      to: e.to,
      chance: settings.density ** e.numbers.size,
    }))
    .sort((a, b) => b.canaries - a.canaries || a.from - b.from || a.account.localeCompare(b.account));
  return {
    canaries: total,
    explained: dumpCanaries.filter((n) => explainedNumbers.has(n)).length,
    unexplained: dumpCanaries.filter((n) => !explainedNumbers.has(n)).slice(0, 50),
    suspects,
    cohorts: [...byCohort.values()]
      .map((c) => ({
        cohort: c.cohort,
        period: c.period,
        from: c.period * settings.rotation,
        to: (c.period + 1) * settings.rotation,
        canaries: c.numbers.size,
      }))
      .sort((a, b) => b.canaries - a.canaries || a.from - b.from),
  };
}
