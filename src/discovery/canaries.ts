import { createHmac } from 'node:crypto';
import type { DiscoveryConfig } from '../core/config.discovery.js';

type CanaryConfig = DiscoveryConfig['canaries'];

export type CanaryKind = 'canary' | 'honey';

/** A cohort: who sees the same canaries during one rotation period. */
export interface Cohort {
  /** `a:<account>` or `b:<bucket>`. */
  id: string;
  /** The rotation period, counted from the epoch. */
  period: number;
}

export interface Canaries {
  readonly enabled: boolean;
  /** Whether an E.164 number lies in a canary or a honey range. */
  kind(e164: string): CanaryKind | undefined;
  cohort(account: string, time: number): Cohort;
  /** Whether this canary number is answered "registered" to the cohort: a keyed, stable coin flip. */
  registered(e164: string, cohort: Cohort): boolean;
  /** [start, end) of a rotation period, ms. */
  periodWindow(period: number): [number, number];
}

/** Prefixes as a set, with the lengths to try, so a number is matched in a few lookups. */
function prefixMatcher(prefixes: readonly string[]): (e164: string) => boolean {
  const set = new Set(prefixes);
  const lengths = [...new Set(prefixes.map((p) => p.length))];
  return (e164) => lengths.some((length) => set.has(e164.slice(0, length)));
}

/**
 * Canary numbers (no product has these): ranges the operator owns and never assigns. For each
 * cohort and rotation period, a keyed pseudo-random `density` share of them is answered
 * "registered" (HMAC-SHA256 of cohort, period and number, under the deployment's canary key), so
 * every cohort is shown a different set and a leaked dump holding some of them says whose
 * results it holds. Honey ranges are blocks never allocated at all: they are never answered
 * "registered", and any lookup there is a tripwire.
 */
export function createCanaries(config: CanaryConfig, key: Buffer): Canaries {
  const isCanary = prefixMatcher(config.prefixes);
  const isHoney = prefixMatcher(config.honeyPrefixes);
  const threshold = Math.floor(config.density * 2 ** 32);
  const mac = (text: string) => createHmac('sha256', key).update(text).digest();
  return {
    enabled: config.prefixes.length + config.honeyPrefixes.length > 0,
    kind(e164) {
      if (isCanary(e164)) return 'canary';
      if (isHoney(e164)) return 'honey';
      return undefined;
    },
    cohort(account, time) {
      const period = Math.floor(time / config.rotation);
      if (config.cohort === 'account') return { id: `a:${account}`, period };
      const bucket = mac(`bucket|${account}`).readUInt32BE(0) % config.buckets;
      return { id: `b:${bucket}`, period };
    },
    registered(e164, cohort) {
      return mac(`canary|${cohort.id}|${cohort.period}|${e164}`).readUInt32BE(0) < threshold;
    },
    periodWindow(period) {
      return [period * config.rotation, (period + 1) * config.rotation];
    },
  };
}
