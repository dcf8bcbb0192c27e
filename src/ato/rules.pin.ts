import { planAttemptGates } from './rules.attempts.js';
import type { Rule } from './rules.context.js';
import { subjectMissing } from './rules.otp.js';
import type { Challenge } from './types.js';

/**
 * PIN attempts (pin_verify) per account: backoff per (account, device), and for devices the
 * account does not know a backoff and at most pinVerify.maxGuesses attempts per window. The owner's
 * way past an account under attack: approval on the active device (the PIN itself is what is
 * being guessed, so it cannot be the way).
 */
export const pinVerifyRule: Rule = (ctx, batch) => {
  if (ctx.event.type !== 'pin_verify') return undefined;
  if (ctx.accountKey === undefined) return subjectMissing(ctx, 'PIN attempt');
  const { pinVerify } = ctx.config;
  const ownerWays: Challenge[] = ctx.active ? ['old_device_approval'] : [];
  return planAttemptGates(ctx, batch, {
    kind: 'pinv',
    what: 'PIN',
    subject: ctx.accountKey,
    windowMs: pinVerify.window,
    device: pinVerify.device,
    subjectGate: { ...pinVerify.account, maxGuesses: pinVerify.maxGuesses },
    escape: ownerWays,
    reasons: { device: 'pinDeviceBackoff', subject: 'pinAccountUnderAttack' },
  });
};
