import type { DiscoveryConfig } from '../core/config.discovery.js';

/**
 * The new-number quota as a GCRA bucket over event time: an allowance that starts full
 * (`allowance` numbers) and refills at `refillPerHour`, never above the allowance. Only numbers the
 * account never looked up before are charged. State is one time per account, the theoretical
 * arrival time `tat`: the allowance is full when `tat` is in the past, and each number charged
 * moves it one refill interval on.
 */
export interface Quota {
  /** New numbers the account may look up at `now`. */
  available(tat: number, now: number): number;
  /** The tat after charging `count` numbers at `now` (count must not exceed `available`). */
  charge(tat: number, now: number, count: number): number;
  /** How long until one more number is available; 0 when one is. */
  waitMs(tat: number, now: number): number;
}

export function createQuota(config: DiscoveryConfig['quota']): Quota {
  const intervalMs = 3_600_000 / config.refillPerHour;
  const toleranceMs = intervalMs * config.allowance;
  // Float arithmetic on ms: a hair of tolerance keeps exact multiples from rounding one short.
  const epsilon = 1e-6;
  return {
    available(tat, now) {
      const backlog = Math.max(0, tat - now);
      return Math.max(
        0,
        Math.min(config.allowance, Math.floor((toleranceMs - backlog) / intervalMs + epsilon)),
      );
    },
    charge(tat, now, count) {
      return Math.max(tat, now) + count * intervalMs;
    },
    waitMs(tat, now) {
      const backlog = Math.max(0, tat - now);
      return Math.max(0, Math.ceil(backlog + intervalMs - toleranceMs));
    },
  };
}
