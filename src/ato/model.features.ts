import type { Features } from './types.js';

/**
 * The model's features, in scoring order: every feature comes after its parent, so a value's
 * back-off estimate can use its parent's, already computed (docs/ato-model.md, "Back-off").
 * The names are the keys of `AccountHistory.tables`.
 */
export const modelFeatures = [
  'country',
  'asn',
  'subnet',
  'ip',
  'deviceType',
  'os',
  'agent',
  'browser',
  'hour',
] as const;
export type ModelFeature = (typeof modelFeatures)[number];

export const featureCount = modelFeatures.length;

/** Index of each feature in `modelFeatures`, for the array-based hot paths. */
export const featureIndex: Readonly<Record<ModelFeature, number>> = {
  country: 0,
  asn: 1,
  subnet: 2,
  ip: 3,
  deviceType: 4,
  os: 5,
  agent: 6,
  browser: 7,
  hour: 8,
};
export const hourIndex = featureIndex.hour;

/**
 * The coarser feature each one backs off to (Freeman et al.'s smoothing along the feature
 * hierarchies): IP → /24 or /48 → ASN → country, and user agent → OS → device type, browser →
 * device type. The agent backs off to its OS rather than to its browser because an app's version
 * changes with every update while the OS rarely does (docs/ato-model.md explains the choice).
 */
export const parentIndex: readonly number[] = [-1, 0, 1, 2, -1, 4, 5, 4, -1];

/** Hours as table keys, made once so the hot path never formats a number. */
const hourKeys: readonly string[] = Array.from({ length: 24 }, (_, hour) => String(hour));

const present = (value: string | undefined): string | undefined =>
  value === undefined || value.length === 0 ? undefined : value;

/**
 * Writes each feature's value for one event into `out` (indexed as `modelFeatures`), undefined
 * where the event does not tell. Network features come only from a public address: a private or
 * reserved one says nothing about where the user is. ASNs are written `AS3320` so no table key
 * looks like an array index (JavaScript orders those first, and table order is recency).
 */
export function extractValues(features: Features, out: Array<string | undefined>): void {
  const ip = features.ip;
  const isPublic = ip.kind === 'public';
  out[0] = isPublic ? present(ip.country) : undefined;
  out[1] = isPublic && ip.asn !== undefined && Number.isSafeInteger(ip.asn) ? `AS${ip.asn}` : undefined;
  out[2] = isPublic ? present(ip.subnet) : undefined;
  out[3] = isPublic ? present(ip.address) : undefined;
  const agent = features.agent;
  out[4] = present(agent.deviceType);
  out[5] = present(agent.os);
  out[6] = present(agent.agent);
  out[7] = present(agent.browser);
  out[8] = Number.isInteger(features.hour) ? hourKeys[features.hour] : undefined;
}

/** The table key of an hour of the day (0-23). */
export function hourKey(hour: number): string {
  return hourKeys[((hour % 24) + 24) % 24] as string;
}

// How many values each table holds, kept on the table under a symbol that is not enumerable, so
// JSON, spreads, key listings and equality ignore it and the stored history stays as the contract
// has it. The scorer needs the count for every feature; counting keys would cost a pass, and a
// WeakMap beside the tables costs a cache miss more per lookup on a cold history.
const sizeKey = Symbol('distinct values');
type SizedTable = Record<string, number> & { [sizeKey]?: number };

/** The number of distinct values in an account's table (0 for none). */
export function distinctValues(table: Record<string, number> | undefined): number {
  if (table === undefined) return 0;
  const known = (table as SizedTable)[sizeKey];
  if (known !== undefined) return known;
  let size = 0;
  for (const _ in table) size++;
  // A frozen table (a caller's own copy) is counted each time rather than written to.
  if (Object.isExtensible(table)) noteTableSize(table, size);
  return size;
}

/** Records a table's size after a change (history.ts and history.json.ts are the only writers). */
export function noteTableSize(table: Record<string, number>, size: number): void {
  const sized = table as SizedTable;
  if (sized[sizeKey] !== undefined) sized[sizeKey] = size;
  else
    Object.defineProperty(table, sizeKey, {
      value: size,
      writable: true,
      enumerable: false,
      configurable: true,
    });
}
