import type { Assessment, Challenge } from '../../ato/types.js';
import { minute, type Step } from './actors.js';
import type { Random } from './random.js';

/**
 * How people and attackers answer an assessment. A legitimate user passes every challenge (a PIN,
 * approval from the old phone, a captcha) at the cost of some time, and comes back after a
 * `wait`; an attacker solves captchas (solving services are cheap) and waits when patient, but
 * cannot pass a PIN or old-device challenge; a deny ends the step for both, and `lock_device`
 * stops the device.
 */

/** How one step went. */
export interface Sent {
  ok: boolean;
  /** When the actor is done with the step (after any challenge). */
  time: number;
  /** The device was locked by the answer. */
  locked: boolean;
  /** The step waited past its patience (or a code expired while waiting). */
  expired: boolean;
}

/** A step built for a given time. */
export type StepAt = (time: number) => Step;

function asked(answer: Assessment): Challenge[] {
  // A challenge that names none is taken as the mildest, a captcha.
  return answer.challenges && answer.challenges.length > 0 ? answer.challenges : ['captcha'];
}

/** Challenges only the account's owner can pass. */
export function ownerOnly(answer: Assessment): boolean {
  const challenges = asked(answer);
  return (
    answer.decision === 'challenge' &&
    (challenges.includes('pin') || challenges.includes('old_device_approval'))
  );
}

/** The answer lets an attacker through: allowed, or challenged with nothing but a captcha. */
export function attackerPasses(answer: Assessment): boolean {
  return (
    answer.decision === 'allow' ||
    (answer.decision === 'challenge' && asked(answer).every((c) => c === 'captcha'))
  );
}

/**
 * Sends a legitimate step and plays the user's part in the answer: waits when told (up to
 * `patienceMs`, four times at most), enters the PIN with `pinStep`, approves from the old phone,
 * solves a captcha.
 */
export function* asUser(
  random: Random,
  stepAt: StepAt,
  time: number,
  options: { pinStep?: StepAt; patienceMs?: number } = {},
): Generator<Step, Sent, Assessment> {
  let at = Math.round(time);
  for (let tries = 0; ; tries += 1) {
    const answer = yield stepAt(at);
    if (answer.decision === 'allow') return { ok: true, time: at, locked: false, expired: false };
    if (answer.decision === 'deny') return { ok: false, time: at, locked: false, expired: false };
    if (answer.decision === 'lock_device') return { ok: false, time: at, locked: true, expired: false };
    const challenges = asked(answer);
    if (challenges.includes('wait')) {
      const wait = answer.retryAfterMs ?? minute;
      if (wait > (options.patienceMs ?? 24 * 60 * minute) || tries >= 4) {
        return { ok: false, time: at, locked: false, expired: true };
      }
      at = Math.round(at + wait + random.between(1_000, 60_000));
      continue;
    }
    if (challenges.includes('pin') && options.pinStep) {
      at = Math.round(at + random.between(10_000, 40_000));
      const pin = yield options.pinStep(at);
      if (pin.decision === 'deny' || pin.decision === 'lock_device') {
        return { ok: false, time: at, locked: pin.decision === 'lock_device', expired: false };
      }
    }
    if (challenges.includes('old_device_approval')) at = Math.round(at + random.between(20_000, 120_000));
    if (challenges.includes('captcha')) at = Math.round(at + random.between(5_000, 20_000));
    return { ok: true, time: at, locked: false, expired: false };
  }
}

/**
 * Sends an attacker's step: solves captchas, waits up to `patienceMs` when told to, and gives up
 * on a deny, a lock or a challenge only the owner can pass.
 */
export function* asAttacker(
  random: Random,
  stepAt: StepAt,
  time: number,
  options: { patienceMs: number },
): Generator<Step, Sent, Assessment> {
  let at = Math.round(time);
  let waited = 0;
  for (;;) {
    const answer = yield stepAt(at);
    if (answer.decision === 'allow') return { ok: true, time: at, locked: false, expired: false };
    if (answer.decision !== 'challenge' || ownerOnly(answer)) {
      return { ok: false, time: at, locked: answer.decision === 'lock_device', expired: false };
    }
    if (asked(answer).includes('wait')) {
      const wait = answer.retryAfterMs ?? minute;
      waited += wait;
      if (waited > options.patienceMs) return { ok: false, time: at, locked: false, expired: true };
      at = Math.round(at + wait + random.between(200, 5_000));
      continue;
    }
    return { ok: true, time: Math.round(at + random.between(10_000, 30_000)), locked: false, expired: false };
  }
}
