import type { DiscoveryConfig } from '../core/config.discovery.js';
import { formatIp, parseIp, subnetOf } from '../core/ip.js';
import type { RateRequest } from '../limits/rates.js';
import type { ReadNumber } from './numbers.js';
import type { DiscoveryRequest } from './types.js';

export type LimitDimension = keyof DiscoveryConfig['limits'];

export interface PlannedLimit extends RateRequest {
  dimension: LimitDimension;
}

/**
 * The shared limits one check is charged on, each weighted by its size: every valid number on the
 * account, device, address, subnet and network; each destination prefix by the numbers new to this
 * account in it, so a sweep through a block is slowed however many accounts share the work. Keys
 * are `d:` and the dimension's letter, so the limits of this guard never meet another's.
 */
export function planLimits(
  config: DiscoveryConfig['limits'],
  request: Pick<DiscoveryRequest, 'account' | 'device' | 'ip' | 'asn'>,
  valid: number,
  fresh: readonly ReadNumber[],
): PlannedLimit[] {
  if (valid === 0) return [];
  const limit = (dimension: LimitDimension) => ({
    limit: config[dimension].limit,
    periodMs: config[dimension].period,
  });
  const planned: PlannedLimit[] = [
    { dimension: 'account', key: `d:a:${request.account}`, limit: limit('account'), cost: valid },
    { dimension: 'device', key: `d:d:${request.device}`, limit: limit('device'), cost: valid },
  ];
  const ip = parseIp(request.ip);
  if (ip) {
    planned.push({ dimension: 'ip', key: `d:i:${formatIp(ip)}`, limit: limit('ip'), cost: valid });
    planned.push({ dimension: 'subnet', key: `d:s:${subnetOf(ip)}`, limit: limit('subnet'), cost: valid });
  }
  if (request.asn !== undefined) {
    planned.push({ dimension: 'asn', key: `d:n:${request.asn}`, limit: limit('asn'), cost: valid });
  }
  const perPrefix = new Map<string, number>();
  for (const number of fresh) {
    if (number.prefix !== undefined) perPrefix.set(number.prefix, (perPrefix.get(number.prefix) ?? 0) + 1);
  }
  for (const [prefix, cost] of perPrefix) {
    planned.push({ dimension: 'prefix', key: `d:p:${prefix}`, limit: limit('prefix'), cost });
  }
  return planned;
}
