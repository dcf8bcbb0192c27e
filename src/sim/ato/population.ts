import { day, hour } from './actors.js';
import type { Address, AddressBook } from './addresses.js';
import { type Device, desktopDevice, phoneDevice } from './agents.js';
import type { NumberPlan } from './phones.js';
import type { Random } from './random.js';
import { type Country, countries, homeCountries, travelMs } from './world.js';

/**
 * The simulated account holders: where they live, the networks and devices they use, when they
 * are awake, and the out-of-the-ordinary things legitimate people do that look like attacks
 * (travel, a VPN, a new phone, a reinstall). Rates are per account and day; docs/ato-evaluation.md
 * gives their sources or calls them assumptions.
 */

export interface PopulationRates {
  /** Accounts with a two-step PIN. */
  pinShare: number;
  /** Accounts that also use the web client on a computer, and the share of their logins there. */
  desktopShare: number;
  desktopLoginShare: number;
  /** Accounts that use a VPN (on a hosting network), and the share of their logins through it. */
  vpnShare: number;
  vpnLoginShare: number;
  /** Trips abroad started per account and day. */
  tripsPerDay: number;
  /** Phone replacements per account and day, and the share that move to a new SIM (eSIM). */
  newPhonesPerDay: number;
  newSimShare: number;
  /** App reinstalls on the same phone per account and day. */
  reinstallsPerDay: number;
  /** New numbers registering per existing account and day. */
  signupsPerDay: number;
}

export const defaultRates: PopulationRates = {
  pinShare: 0.25,
  desktopShare: 0.3,
  desktopLoginShare: 0.3,
  vpnShare: 0.04,
  vpnLoginShare: 0.5,
  // 1.5 billion international arrivals a year (UNWTO, 2019) over 7.7 billion people is 5.3e-4
  // a day; four times that, so a short run holds enough travellers to measure.
  tripsPerDay: 0.002,
  // About one new phone every 2.5 years, doubled for the same reason.
  newPhonesPerDay: 1 / 450,
  newSimShare: 0.2,
  reinstallsPerDay: 1 / 365,
  signupsPerDay: 0.001,
};

export interface Trip {
  country: Country;
  depart: number;
  arrive: number;
  leave: number;
  back: number;
}

export interface Account {
  id: string;
  phone: string;
  country: Country;
  /** When the number registers for the first time, if during the run. */
  joinedAt: number | undefined;
  /** Home broadband and the mobile carrier, by ASN. */
  fixedAsn: number;
  mobileAsn: number;
  /** The home Wi-Fi's address, stable for the run. */
  home: Address;
  phoneDevice: Device;
  desktop: Device | undefined;
  pin: boolean;
  vpn: { asn: number; country: string } | undefined;
  loginsPerDay: number;
  /** Waking hours, local time. */
  wakeHour: number;
  sleepHour: number;
  trip: Trip | undefined;
  newPhoneAt: number | undefined;
  newSim: boolean;
  reinstallAt: number | undefined;
  /** Live state: the device the account is registered on; undefined while logged out. */
  activeDevice: string | undefined;
  locked: Set<string>;
  /** Latest SIM swap the carrier reports for the number. */
  simSwapAt: number | undefined;
  /** An attacker holds the account and the owner is winning it back. */
  recovering: boolean;
}

/** A time in [from, to) drawn from the rate of a Poisson process, or undefined if none happens. */
function eventTime(random: Random, perDay: number, from: number, to: number): number | undefined {
  const at = from + random.exponential(day / perDay);
  return at < to ? Math.round(at) : undefined;
}

function planTrip(random: Random, home: Country, start: number, end: number, rate: number): Trip | undefined {
  const depart = eventTime(random, rate, start, end);
  if (depart === undefined) return undefined;
  const country = random.pick(countries.filter((c) => c.code !== home.code));
  const arrive = depart + travelMs(home, country);
  const leave = arrive + Math.round(random.between(2, 10) * day);
  return { country, depart, arrive, leave, back: leave + travelMs(country, home) };
}

/** Builds `size` accounts (and the numbers signing up during the run) from `random`. */
export function createPopulation(
  random: Random,
  deps: { addresses: AddressBook; numbers: NumberPlan },
  options: { size: number; start: number; end: number; rates?: Partial<PopulationRates> },
): Account[] {
  const rates = { ...defaultRates, ...options.rates };
  const signups = Math.round((options.size * rates.signupsPerDay * (options.end - options.start)) / day);
  const accounts: Account[] = [];
  for (let i = 0; i < options.size + signups; i += 1) {
    const own = random.fork(`account/${i}`);
    const country = own.weighted(homeCountries, (c) => c.weight);
    const fixedAsn = own.pick(country.access);
    const phone = deps.numbers.mobile(own, country.code);
    const joinedAt =
      i < options.size ? undefined : Math.round(own.between(options.start, options.end - 2 * hour));
    const from = joinedAt ?? options.start;
    const device = phoneDevice(own);
    const vpnAsn = own.pick([9009, 60068, 20473, 14061]);
    const newPhoneAt = eventTime(own, rates.newPhonesPerDay, from, options.end);
    accounts.push({
      id: `acct_${String(i).padStart(6, '0')}`,
      phone,
      country,
      joinedAt,
      fixedAsn,
      mobileAsn: own.pick(country.access),
      home: deps.addresses.draw(own, fixedAsn, country.code),
      phoneDevice: device,
      desktop: own.chance(rates.desktopShare) ? desktopDevice(own) : undefined,
      pin: own.chance(rates.pinShare),
      vpn: own.chance(rates.vpnShare)
        ? { asn: vpnAsn, country: own.pick(['US', 'GB', 'DE', 'NL']) }
        : undefined,
      loginsPerDay: own.between(0.3, 3),
      wakeHour: own.between(5.5, 9),
      sleepHour: own.between(21.5, 25),
      trip: planTrip(own, country, from, options.end, rates.tripsPerDay),
      newPhoneAt,
      newSim: own.chance(rates.newSimShare),
      reinstallAt: eventTime(own, rates.reinstallsPerDay, from, options.end),
      activeDevice: joinedAt === undefined ? device.id : undefined,
      locked: new Set(),
      simSwapAt: undefined,
      recovering: false,
    });
  }
  return accounts;
}
