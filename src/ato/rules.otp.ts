import { planAttemptGates } from './rules.attempts.js';
import { counterKey, type Findings, type Rule, type RuleContext, spoken } from './rules.context.js';
import { reason } from './rules.reasons.js';
import type { Challenge } from './types.js';

const day = 24 * 60 * 60 * 1000;

/** An attempt that names nothing to count it against cannot be rationed, so it is refused. */
export function subjectMissing(ctx: RuleContext, what: string): (findings: Findings) => void {
  return (findings) => {
    findings.reasons.push(
      reason(ctx.config, 'subjectMissing', `The ${what} names no usable phone number or account.`),
    );
    findings.verdicts.push({ decision: 'deny' });
  };
}

/**
 * One-time-code attempts (otp_verify): backoff per (number, device), per (number, IP) and per
 * number, and at most otpVerify.maxGuesses honoured guesses per number per window from devices the
 * account does not know. The owner's way past a number under attack: the PIN, or approval on the
 * active device.
 */
export const otpVerifyRule: Rule = (ctx, batch) => {
  if (ctx.event.type !== 'otp_verify') return undefined;
  if (ctx.numberKey === undefined) return subjectMissing(ctx, 'code attempt');
  const { otpVerify } = ctx.config;
  const ownerWays: Challenge[] = [];
  if (ctx.history?.pinEnabled === true) ownerWays.push('pin');
  if (ctx.active) ownerWays.push('old_device_approval');
  return planAttemptGates(ctx, batch, {
    kind: 'otpv',
    what: 'code',
    subject: ctx.numberKey,
    windowMs: otpVerify.window,
    device: otpVerify.device,
    ip: otpVerify.ip,
    subjectGate: { ...otpVerify.number, maxGuesses: otpVerify.maxGuesses },
    escape: ownerWays,
    reasons: { device: 'otpDeviceBackoff', ip: 'otpIpBackoff', subject: 'otpNumberUnderAttack' },
  });
};

/**
 * Code requests (otp_request): the resend schedule of one number (each code waits the schedule's
 * next step after the previous one) and its daily limit. Only codes let through are counted, so
 * asking too early never pushes the next code further out.
 */
export const otpRequestRule: Rule = (ctx, batch) => {
  if (ctx.event.type !== 'otp_request') return undefined;
  if (ctx.numberKey === undefined) return subjectMissing(ctx, 'code request');
  const { otpRequest } = ctx.config;
  const pace = batch.add({
    type: 'pace',
    key: counterKey('otpr', ctx.numberKey),
    record: 'if_open',
    limits: [
      { window: { windowMs: otpRequest.scheduleWindow, buckets: 24 }, delaysMs: otpRequest.schedule },
      { window: { windowMs: day, buckets: 24 }, max: otpRequest.dailyLimit },
    ],
  });
  return (findings) => {
    const result = pace();
    if (result.open) return;
    const capped = (result.prior[1] as number) >= otpRequest.dailyLimit;
    findings.reasons.push(
      capped
        ? reason(
            ctx.config,
            'otpRequestCap',
            `${result.prior[1]} codes were sent to this number in 24 h, the most allowed; the next in ${spoken(result.retryAfterMs)}.`,
          )
        : reason(
            ctx.config,
            'otpResendTooEarly',
            `A code was sent ${spoken(ctx.time - (result.previous ?? ctx.time))} ago; the next may be sent in ${spoken(result.retryAfterMs)}.`,
          ),
    );
    findings.verdicts.push({
      decision: 'challenge',
      challenges: ['wait'],
      retryAfterMs: result.retryAfterMs,
    });
  };
};
