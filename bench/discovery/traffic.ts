// Synthetic contact-discovery traffic for the benchmarks: the shared limits one check is charged
// on (src/discovery/limits.ts plans them), drawn from a population of accounts that mostly sync a
// few new contacts, now and then a whole address book, and a handful of hot accounts that ask far
// more than their limits allow, so the refusal path is measured too.
import { type DiscoveryConfig, discoveryConfig } from '../../src/core/config.discovery.js';
import { planLimits } from '../../src/discovery/limits.js';
import type { ReadNumber } from '../../src/discovery/numbers.js';
import type { RateRequest } from '../../src/limits/rates.js';
import { createRandom } from '../../src/sim/ato/random.js';

export interface LimitDecision {
  /** Event time, ms. */
  at: number;
  requests: RateRequest[];
}

export const discoveryDefaults = (): DiscoveryConfig => discoveryConfig.parse({});

/**
 * `count` decisions, one every `stepMs` of event time, over `accounts` accounts: 90 % sync one to
 * five new contacts, 7 % a book of 50 to 300, and 3 % come from 20 hot accounts asking 500 at a
 * time (they run into their account, device and address limits within minutes). Each account has
 * its own device and one of 50,000 addresses in 5,000 /24s and 200 networks; numbers fall in
 * 5,000 destination prefixes, two to four per check.
 */
export function limitDecisions(count: number, accounts: number, stepMs = 2): LimitDecision[] {
  const config = discoveryDefaults().limits;
  const random = createRandom('bench-discovery-limits');
  const decisions: LimitDecision[] = [];
  const start = Date.UTC(2026, 10, 1);
  for (let i = 0; i < count; i++) {
    const roll = random.next();
    const hot = roll < 0.03;
    const account = hot ? random.int(0, 20) : random.int(20, accounts);
    const size = hot ? 500 : roll < 0.1 ? random.int(50, 301) : random.int(1, 6);
    const address = hot ? account : account % 50_000;
    const ip = `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
    const fresh: ReadNumber[] = [];
    const prefixes = Math.min(size, random.int(2, 5));
    for (let n = 0; n < size; n++) {
      const prefix = `44${7000 + ((account * 7 + (n % prefixes) * 131) % 5_000)}`;
      fresh.push({ index: n, fingerprint: 0, prefix });
    }
    const requests = planLimits(
      config,
      { account: `acct-${account}`, device: `dev-${account}`, ip, asn: 64_512 + (address % 200) },
      size,
      fresh,
    ).map(({ key, limit, cost }) => ({ key, limit, cost }));
    decisions.push({ at: start + i * stepMs, requests });
  }
  return decisions;
}
