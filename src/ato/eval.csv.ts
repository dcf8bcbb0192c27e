import { CustosError } from '../core/errors.js';
import type { AuthEvent, DeviceType, KnownFacts } from './types.js';

/**
 * The login log format of the public RBA data set (Wiefling et al., ACM TOPS 2022, CC BY 4.0):
 * which columns an assessor may see, which are ground truth, and how a row becomes an AuthEvent.
 * A row is split in two before anything else happens, and the function that builds the event
 * only ever receives the feature half, so a label cannot reach the assessor by mistake.
 */

/** The columns an assessor may see, as they are spelt in the file's header. */
export const featureColumns = [
  'Login Timestamp',
  'User ID',
  'Round-Trip Time [ms]',
  'IP Address',
  'Country',
  'Region',
  'City',
  'ASN',
  'User Agent String',
  'Browser Name and Version',
  'OS Name and Version',
  'Device Type',
  'Login Successful',
] as const;

/** Ground truth, read only for scoring. */
export const labelColumns = ['Is Attack IP', 'Is Account Takeover'] as const;

const requiredFeatures = ['Login Timestamp', 'User ID', 'Login Successful'] as const;

export type FeatureColumn = (typeof featureColumns)[number];
export type LabelColumn = (typeof labelColumns)[number];

/** The feature cells of one row, by column name; absent when the file has no such column. */
export type FeatureCells = Partial<Record<FeatureColumn, string>>;
/** The label cells of one row. */
export type LabelCells = Record<LabelColumn, string>;

/** Where each known column sits in the file; other columns (`index`, an unnamed one) are ignored. */
export interface RbaHeader {
  features: Partial<Record<FeatureColumn, number>>;
  labels: Record<LabelColumn, number>;
  width: number;
}

/** What the assessor gets for one row: the event and the facts from the row's own columns. */
export interface AssessorInput {
  event: AuthEvent;
  facts: KnownFacts;
}

/** The row's class: takeover, legitimate (neither label), or an attack IP that is no takeover. */
export type RowClass = 'takeover' | 'legitimate' | 'attack_ip';

export type BadRowReason = 'csv' | 'columns' | 'time' | 'user' | 'outcome' | 'label';

/** Reads the header row, whichever way the `index` column is written (named, unnamed or absent). */
export function readRbaHeader(cells: readonly string[]): RbaHeader {
  const position = new Map<string, number>();
  cells.forEach((cell, i) => {
    const name = cell.replace(/^\uFEFF/, '').trim();
    if (!position.has(name)) position.set(name, i);
  });
  const missing = [...requiredFeatures, ...labelColumns].filter((name) => !position.has(name));
  if (missing.length > 0) {
    throw new CustosError(
      'request.invalid',
      `the CSV header lacks ${missing.join(', ')}: is this a file in the RBA data set's format?`,
      { missing },
    );
  }
  const features: Partial<Record<FeatureColumn, number>> = {};
  for (const name of featureColumns) {
    const at = position.get(name);
    if (at !== undefined) features[name] = at;
  }
  const labels = Object.fromEntries(
    labelColumns.map((name) => [name, position.get(name) as number]),
  ) as Record<LabelColumn, number>;
  return { features, labels, width: cells.length };
}

/** Splits a data row into the cells the assessor may see and the labels; null when it is too short. */
export function splitRbaRow(
  cells: readonly string[],
  header: RbaHeader,
): { features: FeatureCells; labels: LabelCells } | null {
  if (cells.length < header.width) return null;
  const features: FeatureCells = {};
  for (const [name, at] of Object.entries(header.features) as Array<[FeatureColumn, number]>) {
    features[name] = cells[at] as string;
  }
  const labels = Object.fromEntries(
    labelColumns.map((name) => [name, cells[header.labels[name]] as string]),
  ) as LabelCells;
  return { features, labels };
}

const timestampPattern =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Milliseconds since the epoch from `2020-02-03 12:43:30.772` (the published file; read as UTC,
 * since the data set names no zone), ISO 8601 with a zone, or an integer (seconds below 1e11,
 * milliseconds from there up). Null when it is none of these or names an impossible date.
 */
export function parseRbaTimestamp(text: string): number | null {
  const value = text.trim();
  if (/^\d{1,16}$/.test(value)) {
    const n = Number(value);
    return n < 1e11 ? n * 1000 : n;
  }
  const m = timestampPattern.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return null;
  }
  const zone = m[8];
  if (!zone || zone === 'Z') return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  return utc - sign * offset;
}

function parseBoolean(text: string | undefined): boolean | null {
  const value = (text ?? '').trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return null;
}

/** A cell with the data set's "unknown" marks (empty, `-`) read as absent. */
function known(text: string | undefined): string | undefined {
  const value = (text ?? '').trim();
  return value === '' || value === '-' ? undefined : value;
}

/** `Chrome Mobile 46.0.2490` → `Chrome Mobile 46`: the contract keeps major versions only. */
export function majorVersion(text: string | undefined): string | undefined {
  const value = known(text);
  if (!value) return undefined;
  const m = /^(.*\S)\s+(\d+)(?:\.[\w.]*)?$/.exec(value);
  return m ? `${m[1]} ${m[2]}` : value;
}

const rbaDeviceTypes: Record<string, DeviceType | undefined> = {
  mobile: 'mobile',
  desktop: 'desktop',
  tablet: 'tablet',
  bot: 'bot',
  // `unknown` and empty (user agents the authors could not parse) say nothing.
  unknown: undefined,
};

/**
 * Builds the event and facts from the feature cells alone (the type has no label in it), or
 * names what makes the row unusable.
 */
export function toAssessorInput(cells: FeatureCells): AssessorInput | { bad: BadRowReason } {
  const time = parseRbaTimestamp(cells['Login Timestamp'] ?? '');
  if (time === null) return { bad: 'time' };
  const account = known(cells['User ID']);
  if (!account) return { bad: 'user' };
  const successful = parseBoolean(cells['Login Successful']);
  if (successful === null) return { bad: 'outcome' };

  const event: AuthEvent = { type: 'login', time, account, outcome: successful ? 'success' : 'failure' };
  const ip = known(cells['IP Address']);
  if (ip) event.ip = ip;
  const userAgent = known(cells['User Agent String']);
  if (userAgent) event.userAgent = userAgent;

  const ipFacts: NonNullable<KnownFacts['ip']> = {};
  const country = known(cells.Country);
  if (country && /^[A-Za-z]{2}$/.test(country)) ipFacts.country = country.toUpperCase();
  const region = known(cells.Region);
  if (region) ipFacts.region = region;
  const city = known(cells.City);
  if (city) ipFacts.city = city;
  const asn = known(cells.ASN);
  if (asn && /^\d{1,10}$/.test(asn)) ipFacts.asn = Number(asn);

  const agentFacts: NonNullable<KnownFacts['agent']> = {};
  const browser = majorVersion(cells['Browser Name and Version']);
  if (browser) agentFacts.browser = browser;
  const os = majorVersion(cells['OS Name and Version']);
  if (os) agentFacts.os = os;
  const deviceType = rbaDeviceTypes[(cells['Device Type'] ?? '').trim().toLowerCase()];
  if (deviceType) agentFacts.deviceType = deviceType;

  return { event, facts: { ip: ipFacts, agent: agentFacts } };
}

/** The row's class from its labels, or null when a label is not a boolean. */
export function classify(labels: LabelCells): RowClass | null {
  const takeover = parseBoolean(labels['Is Account Takeover']);
  const attackIp = parseBoolean(labels['Is Attack IP']);
  if (takeover === null || attackIp === null) return null;
  if (takeover) return 'takeover';
  return attackIp ? 'attack_ip' : 'legitimate';
}
