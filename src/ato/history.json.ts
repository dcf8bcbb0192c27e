import { newHistory } from './history.js';
import { noteTableSize } from './model.features.js';
import type { AccountHistory, KnownDevice } from './types.js';

/**
 * Account histories as stored JSON. Reading never throws: a stored history that does not parse
 * or does not hold together is replaced by a fresh one and flagged, so one corrupt row costs
 * that account its learnt profile (it scores as a new account, and the flag can be logged) but
 * never stops the assessment of a login.
 */

/** The JSON text stored for a history. */
export function serializeHistory(history: AccountHistory): string {
  return JSON.stringify(history);
}

export interface ParsedHistory {
  history: AccountHistory;
  /** The stored text was unusable and `history` is a fresh one. */
  corrupt: boolean;
  /** Why, when corrupt (no stored values are quoted: they are personal data). */
  reason?: string;
}

/** Hard bounds well above any configuration, so a crafted blob cannot make a history huge. */
export const historyLimits = { maxChars: 512 * 1024, maxTables: 32, maxValuesPerTable: 1024, maxDevices: 64 };

class Corrupt extends Error {}

function fail(reason: string): never {
  throw new Corrupt(reason);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function readTime(value: unknown, field: string): number {
  if (!isTime(value)) fail(`${field} is not a time`);
  return value;
}

function optionalTime(value: unknown, field: string): number | undefined {
  return value === undefined ? undefined : readTime(value, field);
}

function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`${field} is not text`);
  return value;
}

function tables(value: unknown, observations: number): AccountHistory['tables'] {
  if (!isObject(value)) fail('tables is not an object');
  const names = Object.keys(value);
  if (names.length > historyLimits.maxTables) fail('too many tables');
  const out = Object.create(null) as AccountHistory['tables'];
  for (const name of names) {
    const table = value[name];
    if (!isObject(table)) fail('a table is not an object');
    const keys = Object.keys(table);
    if (keys.length > historyLimits.maxValuesPerTable) fail('a table is too large');
    const copy = Object.create(null) as Record<string, number>;
    let sum = 0;
    for (const key of keys) {
      const count = table[key];
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1)
        fail('a count is not positive');
      copy[key] = count;
      sum += count;
    }
    // Every count is a learnt session; evictions only lower the sum.
    if (sum > observations) fail('a table counts more sessions than the history has');
    noteTableSize(copy, keys.length);
    out[name] = copy;
  }
  return out;
}

function devices(value: unknown): KnownDevice[] {
  if (!Array.isArray(value)) fail('devices is not a list');
  if (value.length > historyLimits.maxDevices) fail('too many devices');
  return value.map((device: unknown) => {
    if (!isObject(device) || typeof device.id !== 'string') fail('a device has no id');
    const firstSeen = readTime(device.firstSeen, 'device firstSeen');
    const lastSeen = readTime(device.lastSeen, 'device lastSeen');
    if (firstSeen > lastSeen) fail('a device was last seen before it was first seen');
    const country = optionalText(device.country, 'device country');
    return { id: device.id, firstSeen, lastSeen, ...(country !== undefined && { country }) };
  });
}

function rebuild(data: unknown, account: string): AccountHistory {
  if (!isObject(data)) fail('not an object');
  if (data.account !== account) fail('the history is of another account');
  const observations = data.observations;
  if (typeof observations !== 'number' || !Number.isSafeInteger(observations) || observations < 0) {
    fail('observations is not a count');
  }
  const firstSeen = readTime(data.firstSeen, 'firstSeen');
  const lastSeen = readTime(data.lastSeen, 'lastSeen');
  if (firstSeen > lastSeen) fail('lastSeen is before firstSeen');
  const history: AccountHistory = {
    account,
    observations,
    firstSeen,
    lastSeen,
    tables: tables(data.tables, observations),
    devices: devices(data.devices),
  };
  const location = data.lastLocation;
  if (location !== undefined) {
    if (!isObject(location)) fail('lastLocation is not an object');
    const { latitude, longitude } = location;
    if (typeof latitude !== 'number' || !(Math.abs(latitude) <= 90)) fail('bad latitude');
    if (typeof longitude !== 'number' || !(Math.abs(longitude) <= 180)) fail('bad longitude');
    const country = optionalText(location.country, 'location country');
    history.lastLocation = {
      time: readTime(location.time, 'lastLocation time'),
      latitude,
      longitude,
      ...(country !== undefined && { country }),
    };
  }
  const active = data.activeDevice;
  if (active !== undefined) {
    if (!isObject(active) || typeof active.id !== 'string') fail('activeDevice has no id');
    history.activeDevice = {
      id: active.id,
      lastActive: readTime(active.lastActive, 'activeDevice lastActive'),
    };
  }
  if (data.pinEnabled !== undefined) {
    if (typeof data.pinEnabled !== 'boolean') fail('pinEnabled is not a boolean');
    history.pinEnabled = data.pinEnabled;
  }
  for (const field of ['simSwapAt', 'portOutAt', 'takeoverConfirmedAt'] as const) {
    const value = optionalTime(data[field], field);
    if (value !== undefined) history[field] = value;
  }
  return history;
}

/**
 * Reads a stored history of `account`. When it is unusable (not JSON, wrong shape, another
 * account's, impossible counts, over the hard limits) the answer is a fresh history first seen
 * at `time`, with `corrupt: true` and the reason. Fields Custos does not know are dropped.
 */
export function parseHistory(text: string, account: string, time: number): ParsedHistory {
  try {
    if (text.length > historyLimits.maxChars) fail('the stored text is too long');
    return { history: rebuild(JSON.parse(text), account), corrupt: false };
  } catch (error) {
    const reason = error instanceof Corrupt ? error.message : 'not JSON';
    return { history: newHistory(account, time), corrupt: true, reason };
  }
}
