import type { Assessment, AuthEvent } from '../../ato/types.js';
import { type Actor, type Attempt, day, hour, minute, type SimWorld, type Step } from './actors.js';
import type { Address } from './addresses.js';
import { attackerDevice, type Device } from './agents.js';
import { asAttacker, type StepAt } from './flow.js';
import { ownerRecovery } from './legit.js';
import { hostingAsns } from './networks.js';
import type { Account } from './population.js';
import type { Random } from './random.js';
import { countries } from './world.js';

/**
 * Takeovers by re-registration (SIM swap, code phishing) and credential replay. Each attacker
 * works from a new device, usually in another country, and cannot pass the account's PIN.
 */

// A code by SMS stays valid this long; a longer wait means asking for a new one.
const codeLifetimeMs = 10 * minute;

/** An address an attacker works from: abroad on an access or hosting network, or at home on another ISP. */
export function attackerAddress(
  world: SimWorld,
  random: Random,
  victim: Account,
  foreignShare: number,
): Address {
  if (random.chance(foreignShare)) {
    const country = random.pick(countries.filter((c) => c.code !== victim.country.code));
    return random.chance(0.7)
      ? world.addresses.draw(random, random.pick(country.access), country.code)
      : world.addresses.draw(random, random.pick(hostingAsns));
  }
  const others = victim.country.access.filter((asn) => asn !== victim.fixedAsn && asn !== victim.mobileAsn);
  return world.addresses.draw(
    random,
    random.pick(others.length > 0 ? others : victim.country.access),
    victim.country.code,
  );
}

function stepsFor(
  world: SimWorld,
  attempt: Attempt,
  victim: Account,
  device: Device,
  address: Address,
): (type: AuthEvent['type'], decisive: boolean, outcome?: AuthEvent['outcome']) => StepAt {
  const facts = world.addresses.factsFor(address);
  return (type, decisive, outcome) => (time) => {
    const swap = victim.simSwapAt;
    return {
      event: {
        type,
        time,
        account: victim.id,
        phone: victim.phone,
        device: device.id,
        ip: address.ip,
        userAgent: device.userAgent,
        ...(outcome ? { outcome } : {}),
        ...(swap !== undefined && swap <= time && type !== 'login' ? { carrier: { simSwapAt: swap } } : {}),
      },
      ...(facts ? { facts } : {}),
      truth: { actor: 'attacker', kind: attempt.kind, attempt: attempt.id, decisive },
    };
  };
}

/**
 * Registers the victim's number on the attacker's device with a code the attacker has (SMS to a
 * swapped SIM, or read out by a phished victim). Returns whether the account was taken.
 */
function* takeByRegistration(
  world: SimWorld,
  random: Random,
  attempt: Attempt,
  victim: Account,
  plan: {
    device: Device;
    address: Address;
    time: number;
    codeDelayMs: () => number;
    renewCode: () => boolean;
  },
): Generator<Step, boolean, Assessment> {
  const step = stepsFor(world, attempt, victim, plan.device, plan.address);
  const patienceMs = 6 * hour;
  let sent = yield* asAttacker(random, step('registration_start', true), plan.time, { patienceMs });
  attempt.end = sent.time;
  if (!sent.ok) return false;
  let verified = false;
  for (let code = 0; code < 3 && !verified; code += 1) {
    if (code > 0 && !plan.renewCode()) break;
    sent = yield* asAttacker(random, step('otp_request', false), sent.time + random.between(1_000, 3_000), {
      patienceMs,
    });
    attempt.end = sent.time;
    if (!sent.ok) return false;
    const delay = plan.codeDelayMs();
    sent = yield* asAttacker(random, step('otp_verify', true, 'success'), sent.time + delay, {
      patienceMs: codeLifetimeMs - delay,
    });
    attempt.end = sent.time;
    verified = sent.ok;
    if (!sent.ok && !sent.expired) return false;
  }
  if (!verified) return false;
  if (victim.pin) {
    // The platform asks for the two-step PIN, which the attacker can only guess.
    let at = sent.time;
    for (let guess = 0; guess < 3; guess += 1) {
      at += Math.round(random.between(5_000, 30_000));
      yield step('pin_verify', false, 'failure')(at);
    }
    attempt.end = at;
    return false;
  }
  return true;
}

/** After a takeover: the owner's phone is logged out, the attacker uses the account, the owner fights back. */
function* holdAccount(
  world: SimWorld,
  random: Random,
  attempt: Attempt,
  victim: Account,
  device: Device,
  address: Address,
  swapped: boolean,
): Generator<Step, void, Assessment> {
  attempt.completed = true;
  victim.activeDevice = device.id;
  const back = attempt.end + Math.round(random.between(1, 24) * hour);
  world.spawn(ownerRecovery(world, victim, back, swapped), back);
  const step = stepsFor(world, attempt, victim, device, address);
  let at = attempt.end;
  for (let i = random.int(1, 4); i > 0; i -= 1) {
    at += Math.round(random.between(5 * minute, 6 * hour));
    if (victim.activeDevice !== device.id) return;
    // Logins after the takeover are the attacker's, but the attempt is decided by then.
    yield step('login', false, 'success')(at);
  }
}

/** A SIM swap: the carrier moves the number to the attacker's SIM; the attacker registers within hours. */
export function* simSwap(world: SimWorld, victim: Account, time: number): Actor {
  const random = world.random(`attack/sim_swap/${victim.id}`);
  victim.simSwapAt = time;
  const attempt = world.openAttempt('sim_swap', victim.id, time);
  const device = attackerDevice(random, { looksLikePhone: random.chance(0.8) });
  const address = attackerAddress(world, random, victim, 0.6);
  const taken = yield* takeByRegistration(world, random, attempt, victim, {
    device,
    address,
    time: time + Math.round(random.between(10 * minute, 3 * hour)),
    codeDelayMs: () => Math.round(random.between(20_000, 90_000)),
    // The SIM receives every new code.
    renewCode: () => true,
  });
  if (taken) yield* holdAccount(world, random, attempt, victim, device, address, true);
}

/** Code phishing: the attacker starts a registration and talks the victim into reading out the code. */
export function* codePhishing(world: SimWorld, victim: Account, time: number): Actor {
  const random = world.random(`attack/code_phishing/${victim.id}`);
  const attempt = world.openAttempt('code_phishing', victim.id, time);
  const device = attackerDevice(random, { looksLikePhone: random.chance(0.8) });
  const address = attackerAddress(world, random, victim, 0.7);
  const taken = yield* takeByRegistration(world, random, attempt, victim, {
    device,
    address,
    time,
    codeDelayMs: () => Math.round(random.between(60_000, 5 * minute)),
    // A second code needs a second call; some victims read it out again.
    renewCode: () => random.chance(0.4),
  });
  if (taken) yield* holdAccount(world, random, attempt, victim, device, address, false);
}

/**
 * Credential replay: a script logs in to a list of accounts from rented servers with credentials
 * from elsewhere; about one in three is still right. Each account is one takeover attempt.
 */
export function* credentialReplay(
  world: SimWorld,
  victims: readonly Account[],
  time: number,
  campaign: number,
): Actor {
  const random = world.random(`attack/credential_replay/${campaign}`);
  const servers = Array.from({ length: random.int(3, 7) }, () =>
    world.addresses.draw(random, random.pick(hostingAsns)),
  );
  let at = time;
  for (const victim of victims) {
    const attempt = world.openAttempt('credential_replay', victim.id, at);
    const device = attackerDevice(random, { looksLikePhone: false });
    const step = stepsFor(world, attempt, victim, device, random.pick(servers));
    const valid = random.chance(0.3);
    const tries = valid ? 1 : random.int(1, 4);
    for (let i = 0; i < tries; i += 1) {
      const sent = yield* asAttacker(random, step('login', true, valid ? 'success' : 'failure'), at, {
        patienceMs: hour,
      });
      attempt.end = sent.time;
      at = sent.time + Math.round(random.between(2_000, 20_000));
      if (!sent.ok) break;
      if (valid) attempt.completed = true;
    }
    at += Math.round(random.between(5_000, 2 * minute));
    if (at >= world.end || at - time > day) return;
  }
}
