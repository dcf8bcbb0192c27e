import type { DistinctResult } from '../limits/index.js';
import { absentPart, clientEvents, counterKey, keyPart, type Rule } from './rules.context.js';
import { type ReasonKey, reason } from './rules.reasons.js';

type Dimension = 'ip' | 'subnet' | 'asn' | 'device';

const reasonOf: Record<Dimension, ReasonKey> = {
  ip: 'velocityIp',
  subnet: 'velocitySubnet',
  asn: 'velocityAsn',
  device: 'velocityDevice',
};

const described: Record<Dimension, string> = {
  ip: 'this address',
  subnet: 'this subnet',
  asn: 'this network',
  device: 'this device',
};

/**
 * Cross-account velocity: distinct accounts (or numbers, before an account exists) per IP, subnet,
 * ASN and device within each dimension's window, counted approximately (see the distinct counter:
 * an account is counted once per window, and may count twice at the window's edge).
 */
export const velocityRule: Rule = (ctx, batch) => {
  if (!clientEvents.has(ctx.event.type)) return undefined;
  const member = ctx.event.account
    ? `a:${keyPart(ctx.event.account)}`
    : ctx.numberKey && `n:${ctx.numberKey}`;
  if (!member) return undefined;
  const ip = ctx.features?.ip;
  const values: Record<Dimension, string | undefined> = {
    ip: ctx.ipKey === absentPart ? undefined : ctx.ipKey,
    subnet: typeof ip?.subnet === 'string' && ip.subnet ? keyPart(ip.subnet) : undefined,
    asn: Number.isSafeInteger(ip?.asn) ? String(ip?.asn) : undefined,
    device: ctx.deviceKey === absentPart ? undefined : ctx.deviceKey,
  };
  const reads: [Dimension, () => DistinctResult][] = [];
  for (const dimension of ['ip', 'subnet', 'asn', 'device'] as const) {
    const value = values[dimension];
    if (value === undefined) continue;
    const window = { windowMs: ctx.config.velocity[dimension].window, buckets: 24 };
    reads.push([
      dimension,
      batch.add({ type: 'distinct', key: counterKey('vel', dimension, value), member, window }),
    ]);
  }
  return (findings) => {
    for (const [dimension, read] of reads) {
      const limits = ctx.config.velocity[dimension];
      const result = read();
      const accounts = result.count + result.later;
      if (accounts < limits.challengeAt && (limits.denyAt === 0 || accounts < limits.denyAt)) continue;
      findings.reasons.push(
        reason(
          ctx.config,
          reasonOf[dimension],
          `${accounts} accounts from ${described[dimension]} in the window.`,
        ),
      );
      // Others on a shared address or network can raise its count, so there the account's own
      // device gets at most a captcha: nobody can deny the owner by crowding their network.
      const shared = dimension !== 'device' && ctx.knownDevice;
      const deny = limits.denyAt > 0 && accounts >= limits.denyAt && !shared;
      findings.verdicts.push(
        deny ? { decision: 'deny' } : { decision: 'challenge', challenges: ['captcha'] },
      );
    }
  };
};
