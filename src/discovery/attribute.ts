import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
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

/** Reads a dump; `onProgress` gets bytes read and the file's size. */
export async function scanDump(
  file: string,
  canaries: { kind(e164: string): CanaryKind | undefined },
  options: { onProgress?: (done: number, total: number) => void; random?: () => number } = {},
): Promise<DumpScan> {
  const total = statSync(file).size;
  const random = options.random ?? Math.random;
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
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
  for await (const line of lines) {
    scan.lines++;
    const number = numberOfLine(line);
    if (number === undefined) {
      if (line.trim() !== '') scan.rejected++;
      continue;
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
    if (options.onProgress && (scan.lines & 0xffff) === 0) options.onProgress(stream.bytesRead, total);
  }
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
