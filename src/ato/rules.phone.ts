import type { Rule } from './rules.context.js';
import { type ReasonKey, reason } from './rules.reasons.js';
import type { PhoneType } from './types.js';

// Numbers that pay their owner per message received: the targets of SMS pumping.
const premium: ReadonlySet<PhoneType> = new Set(['premium_rate', 'shared_cost']);
const notMobile: ReadonlySet<PhoneType> = new Set([
  'fixed_line',
  'toll_free',
  'personal_number',
  'pager',
  'uan',
  'voicemail',
]);

// Events about the number itself, where its kind matters.
const numberEvents = new Set(['registration_start', 'otp_request', 'otp_verify']);

/**
 * What the number tells by itself on registration and code events: absent (on registration_start;
 * code events without one are refused by their own rules), invalid, premium-rate or shared-cost
 * (code requests to them are denied when pumping.denyPremiumRate), VoIP, or another non-mobile type.
 */
export const phoneRule: Rule = (ctx) => {
  const { type } = ctx.event;
  if (!numberEvents.has(type)) return undefined;
  const phone = ctx.features?.phone;
  return (findings) => {
    const { config } = ctx;
    const status = phone?.status ?? 'absent';
    if (status === 'absent' || (status !== 'valid' && status !== 'invalid')) {
      if (type === 'registration_start')
        findings.reasons.push(reason(config, 'phoneAbsent', 'No phone number was given.'));
      return;
    }
    if (status === 'invalid') {
      findings.reasons.push(reason(config, 'phoneInvalid', 'The phone number is not a valid number.'));
      return;
    }
    const kind = phone?.type;
    let key: ReasonKey | undefined;
    let message = '';
    if (kind && premium.has(kind)) {
      key = 'phonePremiumRate';
      message = 'The number is premium-rate or shared-cost: texts to it earn its owner money.';
      if (type === 'otp_request' && config.pumping.denyPremiumRate)
        findings.verdicts.push({ decision: 'deny' });
    } else if (kind === 'voip') {
      key = 'phoneVoip';
      message = 'The number is a VoIP number.';
    } else if (kind && notMobile.has(kind)) {
      key = 'phoneNotMobile';
      message = `The number is not a mobile number (${kind.replaceAll('_', ' ')}).`;
    }
    if (key) findings.reasons.push(reason(config, key, message));
  };
};
