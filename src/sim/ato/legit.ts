import type { Assessment, AuthEvent } from '../../ato/types.js';
import {
  type Actor,
  day,
  hour,
  type LegitKind,
  minute,
  type SimWorld,
  type Step,
  type Truth,
} from './actors.js';
import type { Address } from './addresses.js';
import { type Device, phoneDevice } from './agents.js';
import { asUser, type Sent, type StepAt } from './flow.js';
import type { Account, PopulationRates } from './population.js';
import type { Random } from './random.js';

/**
 * Legitimate behaviour: an account holder's days of logins at waking hours, at home, abroad or
 * through a VPN; their registrations (new phone, reinstall, a new number); and owners reacting to
 * an attack on them (looking at the phone when codes arrive, winning a taken account back).
 */

// The carrier keeps reporting a swap for a while; the platform passes on what it hears.
const simSwapMemoryMs = 30 * day;

function carrierOf(account: Account, time: number): Pick<AuthEvent, 'carrier'> {
  const swap = account.simSwapAt;
  return swap !== undefined && swap <= time && time - swap < simSwapMemoryMs
    ? { carrier: { simSwapAt: swap } }
    : {};
}

function inFlight(account: Account, time: number): boolean {
  const trip = account.trip;
  return (
    trip !== undefined &&
    ((time >= trip.depart && time < trip.arrive) || (time >= trip.leave && time < trip.back))
  );
}

function abroad(account: Account, time: number): boolean {
  const trip = account.trip;
  return trip !== undefined && time >= trip.arrive && time < trip.leave;
}

/** A registration by the number's owner; a device locked on the way stays locked. */
export function* legitRegistration(
  world: SimWorld,
  random: Random,
  account: Account,
  options: { kind: LegitKind; device: Device; address: Address; time: number; known: boolean },
): Generator<Step, Sent, Assessment> {
  const sent = yield* registrationSteps(world, random, account, options);
  if (sent.locked) account.locked.add(options.device.id);
  return sent;
}

/** Start, code by SMS, code typed (once wrongly, now and then), PIN when the account has one. */
function* registrationSteps(
  world: SimWorld,
  random: Random,
  account: Account,
  options: { kind: LegitKind; device: Device; address: Address; time: number; known: boolean },
): Generator<Step, Sent, Assessment> {
  const truth: Truth = { actor: 'legit', kind: options.kind, account: account.id, flow: world.nextFlow() };
  const facts = world.addresses.factsFor(options.address);
  const stepAt =
    (type: AuthEvent['type'], outcome?: AuthEvent['outcome']): StepAt =>
    (time) => ({
      event: {
        type,
        time,
        ...(options.known ? { account: account.id } : {}),
        phone: account.phone,
        device: options.device.id,
        ip: options.address.ip,
        userAgent: options.device.userAgent,
        ...(outcome ? { outcome } : {}),
        ...carrierOf(account, time),
      },
      ...(facts ? { facts } : {}),
      truth,
    });
  const pinStep = stepAt('pin_verify', 'success');
  let sent = yield* asUser(random, stepAt('registration_start'), options.time, { pinStep });
  if (!sent.ok) return sent;
  sent = yield* asUser(random, stepAt('otp_request'), sent.time + random.between(1_000, 3_000), { pinStep });
  if (!sent.ok) return sent;
  let at = sent.time + random.between(8_000, 40_000);
  if (random.chance(0.05)) {
    sent = yield* asUser(random, stepAt('otp_verify', 'failure'), at, { pinStep });
    if (!sent.ok) return sent;
    at = sent.time + random.between(5_000, 20_000);
  }
  sent = yield* asUser(random, stepAt('otp_verify', 'success'), at, { pinStep });
  if (!sent.ok || !account.pin) return sent;
  return yield* asUser(random, pinStep, sent.time + random.between(10_000, 30_000), { pinStep });
}

/** One login, wherever the account holder is at `time`; skipped (undefined) when they cannot log in. */
export function* legitLogin(
  world: SimWorld,
  random: Random,
  account: Account,
  rates: PopulationRates,
  time: number,
  kindOverride?: LegitKind,
): Generator<Step, Sent | undefined, Assessment> {
  const away = abroad(account, time);
  const onDesktop = !away && account.desktop !== undefined && random.chance(rates.desktopLoginShare);
  const device = onDesktop ? (account.desktop as Device) : account.phoneDevice;
  // A phone logged out (taken over, or replaced) cannot log in; a linked computer goes with it.
  if (account.activeDevice !== account.phoneDevice.id || account.locked.has(device.id)) return undefined;
  let kind: LegitKind = 'routine';
  let address = account.home;
  if (away && account.trip) {
    kind = 'travel';
    // Mobile data abroad is usually routed home; hotel and café Wi-Fi is local.
    address = random.chance(0.5)
      ? world.addresses.draw(random, account.mobileAsn, account.country.code)
      : world.addresses.draw(random, random.pick(account.trip.country.access), account.trip.country.code);
  } else if (account.vpn && random.chance(rates.vpnLoginShare)) {
    kind = 'vpn';
    address = world.addresses.draw(random, account.vpn.asn, account.vpn.country);
  } else if (!onDesktop && random.chance(0.4)) {
    address = world.addresses.draw(random, account.mobileAsn, account.country.code);
  }
  const truth: Truth = { actor: 'legit', kind: kindOverride ?? kind, account: account.id };
  const facts = world.addresses.factsFor(address);
  const stepAt =
    (type: AuthEvent['type'], outcome: AuthEvent['outcome']): StepAt =>
    (at) => ({
      event: {
        type,
        time: at,
        account: account.id,
        phone: account.phone,
        device: device.id,
        ip: address.ip,
        userAgent: device.userAgent,
        outcome,
      },
      ...(facts ? { facts } : {}),
      truth,
    });
  let at = time;
  if (random.chance(0.02)) {
    const typo = yield* asUser(random, stepAt('login', 'failure'), at);
    if (!typo.ok) return typo;
    at = typo.time + random.between(5_000, 30_000);
  }
  const sent = yield* asUser(random, stepAt('login', 'success'), at, {
    pinStep: stepAt('pin_verify', 'success'),
  });
  if (sent.locked) account.locked.add(device.id);
  return sent;
}

interface Planned {
  time: number;
  what: 'login' | 'new_phone' | 'reinstall';
}

/** One day's plan: logins in waking hours (a few at any hour), and whatever falls on the day. */
function dayPlan(random: Random, account: Account, dayStart: number): Planned[] {
  const plan: Planned[] = [];
  const logins = random.poisson(account.loginsPerDay);
  for (let i = 0; i < logins; i += 1) {
    const local = random.chance(0.95)
      ? random.between(account.wakeHour, account.sleepHour)
      : random.between(0, 24);
    plan.push({ time: Math.round(dayStart + (local - account.country.utcOffset) * hour), what: 'login' });
  }
  const within = (t: number | undefined) => t !== undefined && t >= dayStart && t < dayStart + day;
  if (within(account.newPhoneAt)) plan.push({ time: account.newPhoneAt as number, what: 'new_phone' });
  if (within(account.reinstallAt)) plan.push({ time: account.reinstallAt as number, what: 'reinstall' });
  return plan.sort((a, b) => a.time - b.time);
}

/** An account holder's whole run: a signup if the number is new, then day after day of use. */
export function* accountLife(world: SimWorld, account: Account, rates: PopulationRates): Actor {
  const random = world.random(`life/${account.id}`);
  let now = world.start;
  if (account.joinedAt !== undefined) {
    const signup = yield* legitRegistration(world, random, account, {
      kind: 'signup',
      device: account.phoneDevice,
      address: account.home,
      time: account.joinedAt,
      known: false,
    });
    if (!signup.ok) return;
    account.activeDevice = account.phoneDevice.id;
    now = signup.time;
  }
  for (let dayStart = world.start - day; dayStart < world.end; dayStart += day) {
    for (const item of dayPlan(random, account, dayStart)) {
      // Whatever was planned while the holder was busy (waiting out a challenge) is dropped.
      if (item.time < now) continue;
      if (item.time >= world.end) return;
      now = item.time;
      if (account.recovering || inFlight(account, now)) continue;
      let sent: Sent | undefined;
      if (item.what === 'login') {
        sent = yield* legitLogin(world, random, account, rates, now);
      } else if (account.activeDevice === account.phoneDevice.id) {
        // A new phone (same platform mostly) registers while the old one still works.
        const device =
          item.what === 'new_phone'
            ? phoneDevice(random, {
                platform: random.chance(0.85)
                  ? account.phoneDevice.kind === 'iphone'
                    ? 'iphone'
                    : 'android'
                  : undefined,
                newer: true,
              })
            : account.phoneDevice;
        if (item.what === 'new_phone' && account.newSim)
          account.simSwapAt = now - Math.round(random.between(5, 60) * minute);
        sent = yield* legitRegistration(world, random, account, {
          kind: item.what,
          device,
          address: account.home,
          time: now,
          known: true,
        });
        if (sent.ok) {
          account.phoneDevice = device;
          account.activeDevice = device.id;
        }
      }
      if (sent) now = sent.time;
    }
  }
}

/** The owner of a number under attack looks at the phone when unexpected codes arrive. */
export function* ownerAlerted(
  world: SimWorld,
  account: Account,
  rates: PopulationRates,
  time: number,
): Actor {
  const random = world.random(`alerted/${account.id}/${time}`);
  yield* legitLogin(world, random, account, rates, time, 'owner_alerted');
}

/**
 * The owner of a taken account registers again on their own phone (after getting their SIM back
 * when it was swapped), trying up to three times, a day apart at most.
 */
export function* ownerRecovery(world: SimWorld, account: Account, time: number, newSim: boolean): Actor {
  const random = world.random(`recovery/${account.id}/${time}`);
  account.recovering = true;
  if (newSim) account.simSwapAt = time - Math.round(random.between(10, 60) * minute);
  let at = time;
  for (let attempt = 0; attempt < 3 && at < world.end; attempt += 1) {
    const sent = yield* legitRegistration(world, random, account, {
      kind: 'recovery',
      device: account.phoneDevice,
      address: account.home,
      time: at,
      known: true,
    });
    if (sent.ok) {
      account.activeDevice = account.phoneDevice.id;
      account.recovering = false;
      return;
    }
    at = sent.time + Math.round(random.between(6, 24) * hour);
  }
}
