import type { PaceOp } from '../limits/index.js';
import {
  type Batch,
  backoffDelays,
  counterKey,
  type Findings,
  type RuleContext,
  spoken,
} from './rules.context.js';
import { type ReasonKey, reason } from './rules.reasons.js';
import type { Challenge } from './types.js';

interface Backoff {
  free: number;
  base: number;
  max: number;
}

/** One kind of secret attempt (a code, a PIN) and the gates that ration its guesses. */
export interface AttemptGates {
  /** Counter key namespace, e.g. `otpv`. */
  kind: string;
  /** What is guessed, for messages: `code`, `PIN`. */
  what: string;
  /** The number or account the guesses are against (a key part). */
  subject: string;
  windowMs: number;
  /** Failures of one device on this subject: every device, the owner's included (its own only). */
  device: Backoff;
  /** Failures from one IP on this subject, devices the account does not know only. */
  ip?: Backoff;
  /** Attempts on this subject by devices the account does not know: backoff and a hard cap. */
  subjectGate: Backoff & { maxGuesses: number };
  /** What an unknown device may pass instead when the subject's guesses are used up. */
  escape: Challenge[];
  reasons: { device: ReasonKey; ip?: ReasonKey; subject: ReasonKey };
}

// 24 buckets: a day's window in hours, so the cap errs by at most one hour's attempts.
const buckets = 24;

/**
 * Plans the gates of one attempt and returns how to judge it. Each gate is decided from the state
 * before the attempt and records it only if that gate was open (atomically, per gate), so an
 * attempt refused by a gate never extends that gate's wait. The decision does not depend on the
 * outcome: the platform honours a right secret only when the answer is allow, so every attempt
 * that gets through is a guess, and the subject gate counts every such guess by unknown devices.
 * Devices the account knows pass only their own device gate, which nobody else's failures touch.
 */
export function planAttemptGates(ctx: RuleContext, batch: Batch, gates: AttemptGates) {
  const { outcome } = ctx.event;
  const counted = outcome === 'success' || outcome === 'failure';
  const window = { windowMs: gates.windowMs, buckets };
  const failures: PaceOp['record'] = outcome === 'failure' ? 'if_open' : 'never';
  const device = batch.add({
    type: 'pace',
    key: counterKey(gates.kind, 'd', gates.subject, ctx.deviceKey),
    record: failures,
    limits: [{ window, delaysMs: backoffDelays(gates.device) }],
  });
  const foreign = !ctx.knownDevice;
  const ip =
    foreign && gates.ip
      ? batch.add({
          type: 'pace',
          key: counterKey(gates.kind, 'i', gates.subject, ctx.ipKey),
          record: failures,
          limits: [{ window, delaysMs: backoffDelays(gates.ip) }],
        })
      : undefined;
  const subject = foreign
    ? batch.add({
        type: 'pace',
        key: counterKey(gates.kind, 's', gates.subject),
        record: counted ? 'if_open' : 'never',
        limits: [{ window, delaysMs: backoffDelays(gates.subjectGate), max: gates.subjectGate.maxGuesses }],
      })
    : undefined;
  const hours = spoken(gates.windowMs);

  return (findings: Findings): void => {
    const { config } = ctx;
    const d = device();
    if (!d.open) {
      findings.reasons.push(
        reason(
          config,
          gates.reasons.device,
          `This device got ${d.prior[0]} ${gates.what}s wrong in ${hours}; it may try again in ${spoken(d.retryAfterMs)}.`,
        ),
      );
      findings.verdicts.push({ decision: 'lock_device', retryAfterMs: d.retryAfterMs });
    }
    const i = ip?.();
    if (i && !i.open && gates.reasons.ip) {
      findings.reasons.push(
        reason(
          config,
          gates.reasons.ip,
          `Devices on this address got ${i.prior[0]} ${gates.what}s wrong in ${hours}; this device may try again in ${spoken(i.retryAfterMs)}.`,
        ),
      );
      findings.verdicts.push({ decision: 'lock_device', retryAfterMs: i.retryAfterMs });
    }
    const s = subject?.();
    if (s && !s.open) {
      const capped = (s.prior[0] as number) >= gates.subjectGate.maxGuesses;
      const passes = gates.escape.length > 0 ? ` unless it passes ${gates.escape.join(' or ')}` : '';
      findings.reasons.push(
        reason(
          config,
          gates.reasons.subject,
          `${s.prior[0]} ${gates.what} attempts from devices new to the account in ${hours}${capped ? ', the most allowed' : ''}; a new device waits ${spoken(s.retryAfterMs)}${passes}.`,
        ),
      );
      findings.verdicts.push(
        gates.escape.length > 0
          ? { decision: 'challenge', challenges: gates.escape, retryAfterMs: s.retryAfterMs }
          : { decision: 'lock_device', retryAfterMs: s.retryAfterMs },
      );
    }
  };
}
