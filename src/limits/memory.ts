import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { gcraRefund, gcraRequest, gcraStep, type Limiter, nowMicros, validateKey } from './limiter.js';

export interface MemoryLimiterOptions {
  clock: Clock;
  /** Hard cap on tracked keys; 100,000 by default. */
  maxKeys?: number;
}

export interface MemoryLimiter extends Limiter {
  /** Number of keys currently tracked. */
  size(): number;
}

/**
 * A single-process limiter: a Map of key to TAT, atomic by construction because JavaScript runs
 * one consume at a time. The map never exceeds `maxKeys`: when full it first drops keys whose TAT
 * is past (they carry no state), then the least recently written keys. Evicting a key can only
 * make the limiter more lenient for that key (it restarts with a full burst), never stricter.
 */
export function createMemoryLimiter(options: MemoryLimiterOptions): MemoryLimiter {
  const { clock } = options;
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw new CustosError('config.invalid', 'maxKeys must be a positive integer', { maxKeys });
  }
  const tats = new Map<string, number>();
  // A sweep scans every key; running it at most once per tenth of the cap in new keys keeps
  // inserts amortised O(1) even when every tracked key is live.
  const sweepEvery = Math.max(1, Math.floor(maxKeys / 10));
  let newKeysSinceSweep = sweepEvery;

  function makeRoom(nowUs: number): void {
    if (newKeysSinceSweep >= sweepEvery) {
      newKeysSinceSweep = 0;
      for (const [key, tat] of tats) {
        if (tat <= nowUs) tats.delete(key);
      }
    }
    // Map iteration follows insertion order, and writes re-insert, so this takes the stalest keys.
    for (const key of tats.keys()) {
      if (tats.size < maxKeys) break;
      tats.delete(key);
    }
  }

  return {
    async consume(key, limit, cost = 1) {
      const request = gcraRequest(key, limit, cost);
      const nowUs = nowMicros(clock);
      const { result, newTatUs } = gcraStep(request, tats.get(key) ?? 0, nowUs);
      if (newTatUs !== undefined) {
        if (!tats.delete(key)) {
          if (tats.size >= maxKeys) makeRoom(nowUs);
          newKeysSinceSweep++;
        }
        tats.set(key, newTatUs);
      }
      return result;
    },
    async refund(key, limit, cost = 1) {
      const request = gcraRequest(key, limit, cost);
      const stored = tats.get(key);
      if (!request.consumes || stored === undefined) return;
      const tat = gcraRefund(request, stored, nowMicros(clock));
      // Updating in place keeps the key's eviction position: a refund is not a fresh write.
      if (tat === undefined) tats.delete(key);
      else tats.set(key, tat);
    },
    async reset(key) {
      validateKey(key);
      tats.delete(key);
    },
    async close() {
      tats.clear();
    },
    size: () => tats.size,
  };
}
