import type { CountResult } from '../limits/index.js';
import { absentPart, counterKey, keyPart, type Rule } from './rules.context.js';
import { type ReasonKey, reason } from './rules.reasons.js';

type Dimension = 'prefix' | 'country' | 'ip' | 'asn';

const reasonOf: Record<Dimension, ReasonKey> = {
  prefix: 'pumpingPrefix',
  country: 'pumpingCountry',
  ip: 'pumpingIp',
  asn: 'pumpingAsn',
};

const described: Record<Dimension, string> = {
  prefix: 'numbers with this prefix',
  country: 'numbers of this country',
  ip: 'this address',
  asn: 'this network',
};

/**
 * SMS pumping (toll fraud): codes requested in bulk for numbers that never enter them. Per number
 * prefix, number country, IP and ASN, code requests and successful verifications are counted over
 * pumping.window; a high volume with a low conversion asks for a captcha, a higher one is denied.
 */
export const pumpingRule: Rule = (ctx, batch) => {
  const { type, outcome } = ctx.event;
  const requesting = type === 'otp_request';
  const verified = type === 'otp_verify' && outcome === 'success';
  if (!requesting && !verified) return undefined;
  const { phone, ip } = ctx.features ?? {};
  const values: Record<Dimension, string | undefined> = {
    prefix: typeof phone?.prefix === 'string' && phone.prefix ? keyPart(phone.prefix) : undefined,
    country: typeof phone?.country === 'string' && phone.country ? keyPart(phone.country) : undefined,
    ip: ctx.ipKey === absentPart ? undefined : ctx.ipKey,
    asn: Number.isSafeInteger(ip?.asn) ? String(ip?.asn) : undefined,
  };
  const window = { windowMs: ctx.config.pumping.window, buckets: 24 };
  const reads: [Dimension, () => CountResult, () => CountResult][] = [];
  for (const dimension of ['prefix', 'country', 'ip', 'asn'] as const) {
    const value = values[dimension];
    if (value === undefined) continue;
    const key = counterKey('pump', dimension, value);
    const requests = batch.add({ type: 'count', key, name: 'req', window, add: requesting ? 1 : 0 });
    const successes = batch.add({ type: 'count', key, name: 'ok', window, add: verified ? 1 : 0 });
    reads.push([dimension, requests, successes]);
  }
  if (!requesting) return undefined;
  return (findings) => {
    for (const [dimension, requests, successes] of reads) {
      const limits = ctx.config.pumping[dimension];
      const sent = requests().count + requests().later;
      const ok = successes().count + successes().later;
      const conversion = ok / sent;
      if (conversion >= limits.minConversion || sent < Math.min(limits.challengeAt, limits.denyAt)) continue;
      // Anyone can raise a prefix's, a country's or a network's count, so the account's own device
      // gets at most a captcha: nobody can deny the owner a code by pumping next to them.
      const deny = sent >= limits.denyAt && !ctx.knownDevice;
      findings.reasons.push(
        reason(
          ctx.config,
          reasonOf[dimension],
          `${sent} codes requested for ${described[dimension]} in the window, ${ok} entered (${Math.round(conversion * 100)} %).`,
        ),
      );
      findings.verdicts.push(
        deny ? { decision: 'deny' } : { decision: 'challenge', challenges: ['captcha'] },
      );
    }
  };
};
