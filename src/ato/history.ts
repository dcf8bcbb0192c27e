import type { AtoModelConfig } from '../core/config.ato.model.js';
import { CustosError } from '../core/errors.js';
import {
  distinctValues,
  extractValues,
  featureCount,
  modelFeatures,
  noteTableSize,
} from './model.features.js';
import type { AccountHistory, AuthEvent, Features, KnownDevice } from './types.js';

/**
 * What Custos remembers of one account (types.ts, AccountHistory) and how each event changes it.
 *
 * Only a successful, credentialled event teaches the model what is normal for the account: a
 * `login`, `otp_verify` or `pin_verify` whose outcome is `success`, or a `device_link` reported
 * with outcome `success`. A failure is left out because it is what an attacker produces: if
 * wrong codes from a botnet entered the tables, the attacker's network would soon look like the
 * owner's, and the next attempt from it would score as normal. An event without an outcome is a
 * question ("may this be tried?") and teaches nothing either. Carrier signals are facts about
 * the number, not about who acts, so they are kept from every event.
 */

export type HistoryOptions = AtoModelConfig['history'];

export interface ObserveOptions extends HistoryOptions {
  /**
   * False keeps a successful event out of the tables, devices and location (e.g. one the
   * assessment denied); the times and carrier signals are still kept. Default true.
   */
  learn?: boolean;
}

/** An empty history for an account first seen at `time`. */
export function newHistory(account: string, time: number): AccountHistory {
  return {
    account,
    observations: 0,
    firstSeen: time,
    lastSeen: time,
    tables: Object.create(null) as AccountHistory['tables'],
    devices: [],
  };
}

const learntTypes: ReadonlySet<string> = new Set(['login', 'otp_verify', 'pin_verify', 'device_link']);

/** True when the event enters the frequency tables: a successful login, code, PIN or device link. */
export function isLearnable(event: AuthEvent): boolean {
  return event.outcome === 'success' && learntTypes.has(event.type);
}

const scratch: Array<string | undefined> = new Array(featureCount);

/**
 * Updates the history with one event, in place, and returns it. Events may arrive out of order:
 * the times only widen, the location, devices and active device only move forward in time, and
 * an older event adds to the counts without making its values the most recent.
 */
export function observeEvent(
  history: AccountHistory,
  event: AuthEvent,
  features: Features,
  options: ObserveOptions,
): AccountHistory {
  if (event.account !== undefined && event.account !== history.account) {
    throw new CustosError('internal', 'an event was given the history of another account');
  }
  const time = event.time;
  if (!Number.isFinite(time)) return history;
  const newest = time >= history.lastSeen;
  if (time < history.firstSeen) history.firstSeen = time;
  if (time > history.lastSeen) history.lastSeen = time;
  keepCarrierSignals(history, event);
  if (!isLearnable(event) || options.learn === false) return history;

  history.observations++;
  extractValues(features, scratch);
  for (let i = 0; i < featureCount; i++) {
    const value = scratch[i];
    if (value === undefined) continue;
    const name = modelFeatures[i] as string;
    let table = history.tables[name];
    if (table === undefined) {
      table = Object.create(null) as Record<string, number>;
      history.tables[name] = table;
    }
    countValue(table, value, newest, options.maxValuesPerTable);
  }

  const ip = features.ip;
  const country = ip.kind === 'public' ? ip.country : undefined;
  if (event.device) {
    keepDevice(history.devices, event.device, time, country, options.maxDevices);
    moveActiveDevice(history, event, event.device, time);
  }
  if (event.type === 'pin_verify') history.pinEnabled = true;
  if (
    ip.latitude !== undefined &&
    ip.longitude !== undefined &&
    Number.isFinite(ip.latitude) &&
    Number.isFinite(ip.longitude) &&
    (history.lastLocation === undefined || time >= history.lastLocation.time)
  ) {
    history.lastLocation = {
      time,
      latitude: ip.latitude,
      longitude: ip.longitude,
      ...(country !== undefined && { country }),
    };
  }
  return history;
}

/**
 * Counts a value. Key order is recency (a value seen again moves to the end), so when the table
 * is full the value dropped is the least counted and, among equals, the longest unseen. The
 * dropped count stays in `observations`, so the other values' probabilities stay right.
 */
function countValue(table: Record<string, number>, value: string, newest: boolean, cap: number): void {
  const count = table[value];
  if (typeof count === 'number') {
    if (newest) delete table[value];
    table[value] = count + 1;
    return;
  }
  let size = distinctValues(table);
  for (; size >= cap; size--) dropLeastUsed(table);
  table[value] = 1;
  noteTableSize(table, size + 1);
}

function dropLeastUsed(table: Record<string, number>): void {
  let victim: string | undefined;
  let least = Number.POSITIVE_INFINITY;
  for (const key in table) {
    const count = table[key] as number;
    if (count < least) {
      least = count;
      victim = key;
    }
  }
  if (victim !== undefined) delete table[victim];
}

/** Keeps the device list ordered by last sighting, most recent last, and at most `cap` long. */
function keepDevice(
  devices: KnownDevice[],
  id: string,
  time: number,
  country: string | undefined,
  cap: number,
) {
  const at = devices.findIndex((device) => device.id === id);
  let device: KnownDevice;
  if (at >= 0) {
    device = devices[at] as KnownDevice;
    devices.splice(at, 1);
    if (time < device.firstSeen) device.firstSeen = time;
    if (time >= device.lastSeen) {
      device.lastSeen = time;
      if (country !== undefined) device.country = country;
    }
  } else {
    device = { id, firstSeen: time, lastSeen: time, ...(country !== undefined && { country }) };
  }
  let place = devices.length;
  while (place > 0 && (devices[place - 1] as KnownDevice).lastSeen > device.lastSeen) place--;
  devices.splice(place, 0, device);
  while (devices.length > cap) devices.shift();
}

/**
 * A verified code or PIN with a device registers the account on that device; any later learnt
 * event on the registered device marks it active. An older registration arriving late does not
 * take the account back from a device active since. An account whose registration Custos never saw
 * (it predates Custos) is taken to live on the first device it logs in from: without that, the
 * re-registration of an established account would not look like one.
 */
function moveActiveDevice(history: AccountHistory, event: AuthEvent, device: string, time: number): void {
  const active = history.activeDevice;
  if (active?.id === device) {
    if (time > active.lastActive) active.lastActive = time;
    return;
  }
  const registers = event.type === 'otp_verify' || event.type === 'pin_verify';
  if (
    (registers && (active === undefined || time >= active.lastActive)) ||
    (active === undefined && event.type === 'login')
  ) {
    history.activeDevice = { id: device, lastActive: time };
  }
}

const validTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * Keeps the latest SIM swap and port-out. A `sim_change` event is a swap at its own time unless
 * it carries the carrier's; a carrier time later than the event reporting it is taken as the
 * event's time, so a wrong clock cannot pin a swap in the future.
 */
function keepCarrierSignals(history: AccountHistory, event: AuthEvent): void {
  const carrier = event.carrier;
  let swap = validTime(carrier?.simSwapAt) ? Math.min(carrier.simSwapAt, event.time) : undefined;
  if (event.type === 'sim_change' && swap === undefined) swap = event.time;
  if (swap !== undefined && (history.simSwapAt === undefined || swap > history.simSwapAt)) {
    history.simSwapAt = swap;
  }
  const portOut = validTime(carrier?.portOutAt) ? Math.min(carrier.portOutAt, event.time) : undefined;
  if (portOut !== undefined && (history.portOutAt === undefined || portOut > history.portOutAt)) {
    history.portOutAt = portOut;
  }
}
