import type { AtoRulesConfig } from '../core/config.ato.rules.js';
import type { AtoReason } from './types.js';

type ContributionKey = keyof AtoRulesConfig['contributions'];

/**
 * Every reason code the rules give, by the name of its contribution in the configuration. Codes
 * are stable API (the platform and the console switch on them); messages are for people and never
 * carry the number, address or device they are about.
 */
export const reasonCodes = {
  otpDeviceBackoff: 'otp.device_backoff',
  otpIpBackoff: 'otp.ip_backoff',
  otpNumberUnderAttack: 'otp.number_under_attack',
  otpResendTooEarly: 'otp.resend_too_early',
  otpRequestCap: 'otp.request_cap',
  pinDeviceBackoff: 'pin.device_backoff',
  pinAccountUnderAttack: 'pin.account_under_attack',
  subjectMissing: 'event.subject_missing',
  pumpingPrefix: 'sms_pumping.prefix',
  pumpingCountry: 'sms_pumping.country',
  pumpingIp: 'sms_pumping.ip',
  pumpingAsn: 'sms_pumping.asn',
  phonePremiumRate: 'phone.premium_rate',
  phoneVoip: 'phone.voip',
  phoneNotMobile: 'phone.not_mobile',
  phoneInvalid: 'phone.invalid',
  phoneAbsent: 'phone.absent',
  velocityIp: 'velocity.ip',
  velocitySubnet: 'velocity.subnet',
  velocityAsn: 'velocity.asn',
  velocityDevice: 'velocity.device',
  travelImpossible: 'travel.impossible',
  countryMismatch: 'geo.country_mismatch',
  ipHosting: 'ip.hosting',
  ipPrivate: 'ip.private',
  ipReserved: 'ip.reserved',
  ipInvalid: 'ip.invalid',
  ipAbsent: 'ip.absent',
  agentUnparsed: 'agent.unparsed',
  agentAbsent: 'agent.absent',
  agentBot: 'agent.bot',
  simSwap: 'carrier.sim_swap',
  simSwapOther: 'carrier.sim_swap',
  portOut: 'carrier.port_out',
  portOutOther: 'carrier.port_out',
  newDeviceNewCountry: 'device.new_in_new_country',
  activeElsewhere: 'registration.active_elsewhere',
  registrationLock: 'registration.lock',
} as const satisfies Record<ContributionKey, string>;

export type ReasonKey = keyof typeof reasonCodes;

/** A reason with its code and its configured contribution. */
export function reason(config: AtoRulesConfig, key: ReasonKey, message: string): AtoReason {
  return { code: reasonCodes[key], message, contribution: config.contributions[key] };
}
