// Synthetic login traffic for the takeover-defence benchmarks: a population of accounts, each
// with a phone number, a home network with a few addresses and one or two devices, and login
// events that mostly come from what the account already knows. Addresses are drawn from ranges
// real networks announce (src/sim/ato/networks.ts), so enrichment finds their country and ASN as
// it would for production traffic.

import type { AuthEvent } from '../../src/ato/types.js';
import { ipv4ToNumber, numberToIpv4 } from '../../src/sim/ato/addresses.js';
import { attackerDevice, type Device, desktopDevice, phoneDevice } from '../../src/sim/ato/agents.js';
import { hostingAsns, type Network, networks } from '../../src/sim/ato/networks.js';
import { createNumberPlan } from '../../src/sim/ato/phones.js';
import { createRandom, type Random } from '../../src/sim/ato/random.js';

export interface BenchAccount {
  id: string;
  phone: string;
  country: string;
  /** The addresses the account usually logs in from: home, a second place, its carrier. */
  ips: string[];
  devices: Device[];
}

/** What kind of login an event is, for the mix printed beside the figures. */
export type LoginKind = 'known' | 'new_ip' | 'new_device' | 'foreign';

/** Shares of the login mix: most logins repeat a known device and address. */
export const loginMix: Record<LoginKind, number> = {
  known: 0.88,
  new_ip: 0.06,
  new_device: 0.03,
  foreign: 0.03,
};

export const failureShare = 0.03;

interface Range {
  first: number;
  last: number;
  country: string;
}

const rangesOf = (network: Network): Range[] =>
  network.ranges.map(([first, last, country]) => ({
    first: ipv4ToNumber(first) as number,
    last: ipv4ToNumber(last) as number,
    country,
  }));

const accessByCountry = new Map<string, Range[]>();
for (const network of networks.values()) {
  if (network.hosting) continue;
  for (const range of rangesOf(network)) {
    const list = accessByCountry.get(range.country) ?? [];
    list.push(range);
    accessByCountry.set(range.country, list);
  }
}
const homeCountries = [...accessByCountry.keys()].sort();
const hostingRanges = hostingAsns.flatMap((asn) => rangesOf(networks.get(asn) as Network));

/** An address in `range`, avoiding the network and broadcast addresses of its /24. */
function addressIn(random: Random, range: Range): string {
  const value = range.first + random.int(0, range.last - range.first + 1);
  const host = value & 255;
  return numberToIpv4(host === 0 || host === 255 ? (value & ~255) + 7 : value);
}

/** `count` accounts, the same for the same seed. */
export function createPopulation(count: number, seed = 'bench-ato'): BenchAccount[] {
  const random = createRandom(seed);
  const plan = createNumberPlan();
  // Countries whose numbers libphonenumber types as mobile (in some, such as MX, it cannot tell).
  const countries = homeCountries.filter((country) => {
    try {
      plan.mobile(random, country);
      return true;
    } catch {
      return false;
    }
  });
  const accounts: BenchAccount[] = [];
  for (let i = 0; i < count; i++) {
    const country = random.pick(countries);
    const ranges = accessByCountry.get(country) as Range[];
    const devices = [phoneDevice(random)];
    if (random.chance(0.3)) devices.push(desktopDevice(random));
    accounts.push({
      id: `acct-${i}`,
      phone: plan.mobile(random, country),
      country,
      ips: [
        addressIn(random, random.pick(ranges)),
        addressIn(random, random.pick(ranges)),
        addressIn(random, random.pick(ranges)),
      ],
      devices,
    });
  }
  return accounts;
}

/** One login of `account` at `time`, drawn from the mix; the kind says which branch it took. */
export function loginEvent(
  random: Random,
  account: BenchAccount,
  time: number,
): { event: AuthEvent; kind: LoginKind } {
  const roll = random.next();
  let kind: LoginKind = 'known';
  if (roll >= loginMix.known) kind = 'new_ip';
  if (roll >= loginMix.known + loginMix.new_ip) kind = 'new_device';
  if (roll >= loginMix.known + loginMix.new_ip + loginMix.new_device) kind = 'foreign';
  // The first device is the phone most logins come from.
  let device = random.chance(0.8) ? (account.devices[0] as Device) : random.pick(account.devices);
  let ip = random.chance(0.7) ? (account.ips[0] as string) : random.pick(account.ips);
  if (kind === 'new_ip') ip = addressIn(random, random.pick(accessByCountry.get(account.country) as Range[]));
  if (kind === 'new_device') device = phoneDevice(random, { newer: true });
  if (kind === 'foreign') {
    device = attackerDevice(random);
    ip = addressIn(random, random.pick(hostingRanges));
  }
  const event: AuthEvent = {
    type: 'login',
    time,
    account: account.id,
    phone: account.phone,
    device: device.id,
    ip,
    userAgent: device.userAgent,
    outcome: random.chance(failureShare) ? 'failure' : 'success',
  };
  return { event, kind };
}

/**
 * `count` logins spread over `accounts` in a shuffled order, one event-time step apart from
 * `start`, so each account logs in every accounts × step milliseconds on average.
 */
export function loginStream(
  random: Random,
  accounts: readonly BenchAccount[],
  count: number,
  start: number,
  stepMs: number,
): { events: AuthEvent[]; kinds: Record<LoginKind, number> } {
  const events: AuthEvent[] = [];
  const kinds: Record<LoginKind, number> = { known: 0, new_ip: 0, new_device: 0, foreign: 0 };
  for (let i = 0; i < count; i++) {
    const { event, kind } = loginEvent(random, random.pick(accounts), start + i * stepMs);
    events.push(event);
    kinds[kind]++;
  }
  return { events, kinds };
}

/** `rounds` logins of every account, each round visiting every account once, for warm histories. */
export function warmStream(
  random: Random,
  accounts: readonly BenchAccount[],
  rounds: number,
  start: number,
  stepMs: number,
): AuthEvent[] {
  const events: AuthEvent[] = [];
  let time = start;
  for (let r = 0; r < rounds; r++) {
    for (const account of accounts) {
      const { event } = loginEvent(random, account, time);
      // Warm-up logins come from the account's own devices and places and succeed.
      const device = account.devices[r % account.devices.length] as Device;
      event.device = device.id;
      event.userAgent = device.userAgent;
      event.ip = account.ips[r % account.ips.length] as string;
      event.outcome = 'success';
      events.push(event);
      time += stepMs;
    }
  }
  return events;
}
