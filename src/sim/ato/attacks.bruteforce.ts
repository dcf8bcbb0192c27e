import type { Assessment } from '../../ato/types.js';
import { type Actor, day, hour, minute, type SimWorld, type Step } from './actors.js';
import type { Address } from './addresses.js';
import { attackerDevice, type Device } from './agents.js';
import { attackerAddress } from './attacks.js';
import { attackerPasses, ownerOnly } from './flow.js';
import { ownerAlerted, ownerRecovery } from './legit.js';
import { hostingAsns } from './networks.js';
import type { Account, PopulationRates } from './population.js';
import type { Random } from './random.js';

/**
 * Guessing a 6-digit code: a tool drives many devices from many addresses against one number for
 * a day, each device guessing again as soon as an answer comes back. Like a real tool it obeys
 * `retryAfterMs`, solves captchas, drops a device that is locked or asked for the owner's PIN,
 * and backs off when refused again and again without being told how long to wait.
 */

export interface BruteForceOptions {
  /** Guesses the tool makes at most (it stops early once the day is over). */
  budget: number;
}

interface Rig {
  device: Device;
  address: Address;
  ready: number;
  registered: boolean;
  alive: boolean;
  refusals: number;
}

// A code guess is right one time in a million.
const codeSpace = 1_000_000;
const codeLifetimeMs = 10 * minute;

function latency(random: Random): number {
  return Math.round(random.between(300, 800));
}

/** How long a device rests after `refusals` refusals in a row with no retry time given. */
function backoff(refusals: number): number {
  return refusals < 10 ? 0 : Math.min(10 * minute, 1_000 * 2 ** (refusals - 10));
}

/** One brute-force campaign against `victim`'s number, starting at `time`. */
export function* otpBruteForce(
  world: SimWorld,
  victim: Account,
  rates: PopulationRates,
  time: number,
  options: BruteForceOptions,
): Actor {
  const random = world.random(`attack/otp_brute_force/${victim.id}`);
  const attempt = world.openAttempt('otp_brute_force', victim.id, time);
  attempt.budgetExhausted = false;
  // Each code request reaches the owner's phone, and most owners look.
  if (random.chance(0.8)) {
    const look = time + Math.round(random.between(2, 30) * minute);
    world.spawn(ownerAlerted(world, victim, rates, look), look);
  }
  const rigs: Rig[] = Array.from({ length: random.int(20, 61) }, (_, i) => ({
    device: attackerDevice(random),
    address: random.chance(0.5)
      ? world.addresses.draw(random, random.pick(hostingAsns))
      : attackerAddress(world, random, victim, 0.8),
    ready: time + i * latency(random),
    registered: false,
    alive: true,
    refusals: 0,
  }));
  const stepFor =
    (rig: Rig, type: Step['event']['type'], decisive: boolean, outcome?: 'success' | 'failure') =>
    (at: number): Step => {
      const facts = world.addresses.factsFor(rig.address);
      return {
        event: {
          type,
          time: at,
          account: victim.id,
          phone: victim.phone,
          device: rig.device.id,
          ip: rig.address.ip,
          userAgent: rig.device.userAgent,
          ...(outcome ? { outcome } : {}),
        },
        ...(facts ? { facts } : {}),
        truth: { actor: 'attacker', kind: 'otp_brute_force', attempt: attempt.id, decisive },
      };
    };
  const until = Math.min(time + day, world.end);
  let guesses = 0;
  let codeAt = Number.NEGATIVE_INFINITY;
  let correct = false;
  let last = time;
  for (;;) {
    let rig: Rig | undefined;
    for (const candidate of rigs)
      if (candidate.alive && (!rig || candidate.ready < rig.ready)) rig = candidate;
    if (!rig || rig.ready >= until) break;
    if (guesses >= options.budget) {
      attempt.budgetExhausted = true;
      break;
    }
    const at = rig.ready;
    last = at;
    let answer: Assessment;
    if (!rig.registered || at - codeAt >= codeLifetimeMs) {
      // A device starts a registration once; the tool asks for a fresh code when the last expired.
      const type = rig.registered ? 'otp_request' : 'registration_start';
      answer = yield stepFor(rig, type, type === 'registration_start')(at);
      if (attackerPasses(answer)) {
        if (rig.registered) codeAt = at;
        rig.registered = true;
      }
    } else {
      guesses += 1;
      correct = random.chance(1 / codeSpace);
      answer = yield stepFor(rig, 'otp_verify', true, correct ? 'success' : 'failure')(at);
      if (answer.decision === 'allow' && correct) break;
      correct = false;
    }
    if (answer.decision === 'lock_device' || ownerOnly(answer)) {
      rig.alive = false;
    } else if (answer.decision === 'challenge' && answer.challenges?.includes('wait')) {
      rig.ready = at + (answer.retryAfterMs ?? minute) + latency(random);
    } else if (attackerPasses(answer)) {
      rig.refusals = 0;
      rig.ready =
        at +
        latency(random) +
        (answer.decision === 'challenge' ? Math.round(random.between(10_000, 30_000)) : 0);
    } else {
      rig.refusals += 1;
      rig.ready = at + latency(random) + backoff(rig.refusals);
    }
  }
  attempt.end = last;
  if (!correct) return;
  if (victim.pin) return;
  attempt.completed = true;
  victim.activeDevice = `bruteforce_${attempt.id}`;
  const back = last + Math.round(random.between(1, 24) * hour);
  world.spawn(ownerRecovery(world, victim, back, false), back);
}
