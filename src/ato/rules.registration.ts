import type { Rule } from './rules.context.js';
import { reason } from './rules.reasons.js';
import type { Challenge } from './types.js';

/**
 * Registering a new device while the account lives on another: the takeover pattern, since on a
 * phone-number platform a new registration displaces the old device. Asked of registration_start
 * and of otp_verify unless it failed (a wrong code registers nothing).
 * - registration.active_elsewhere: the registered device was used within registration.activeWindow;
 *   the new device is challenged to get approval on it, or to give the PIN if there is one.
 * - registration.lock: the account has a PIN and its registered device was used within
 *   registration.lockWindow before the event (inclusive): the PIN is required whatever the score.
 */
export const registrationRule: Rule = (ctx) => {
  const { type, outcome, device } = ctx.event;
  const registering = type === 'registration_start' || (type === 'otp_verify' && outcome !== 'failure');
  const registered = ctx.history?.activeDevice;
  if (!registering || !registered || registered.id === device) return undefined;
  return (findings) => {
    const { config, history, time } = ctx;
    const pin = history?.pinEnabled === true;
    if (ctx.active) {
      const challenges: Challenge[] = ['old_device_approval'];
      if (pin) challenges.push('pin');
      const hours = Math.max(0, (time - ctx.active.lastActive) / 3_600_000);
      findings.reasons.push(
        reason(
          config,
          'activeElsewhere',
          `The account is registered on another device, used ${hours.toFixed(1)} h before this registration.`,
        ),
      );
      findings.verdicts.push({ decision: 'challenge', challenges });
    }
    const sinceActive = time - registered.lastActive;
    if (pin && Number.isFinite(sinceActive) && sinceActive <= config.registration.lockWindow) {
      findings.reasons.push(
        reason(
          config,
          'registrationLock',
          'Registration lock: the account has a PIN and its device was used recently, so the PIN is required.',
        ),
      );
      findings.verdicts.push({ decision: 'challenge', challenges: ['pin'] });
    }
  };
};
