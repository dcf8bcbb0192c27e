import { CustosError, isCustosError } from '../core/errors.js';
import { type GcraRequest, gcraRequest, gcraStep, type RateLimit } from './limiter.js';

/** One limit of a decision: `cost` units of `limit` on `key` (e.g. a batch's size on its IP). */
export interface RateRequest {
  key: string;
  limit: RateLimit;
  cost: number;
}

export interface RatesResult {
  /** Every request was allowed, and every cost was consumed; when false, none was. */
  allowed: boolean;
  /** Indexes of the requests that refused, in order (empty when allowed). */
  refused: number[];
  /** 0 when allowed; otherwise the longest wait that any refused request asks for. */
  retryAfterMs: number;
}

/**
 * Several GCRA limits decided together, all or nothing: a decision's batch is charged on its
 * account, device, address, subnet, network and number prefixes at once, and a batch refused by any
 * of them is charged on none. Time is the caller's (the event's), in milliseconds, so a replayed log
 * gets the answers live traffic got. Keys within one call must be distinct.
 */
export interface Rates {
  consumeAll(requests: readonly RateRequest[], at: number): Promise<RatesResult>;
  close(): Promise<void>;
}

/** Validated requests in integer microseconds, and the time; throws `request.invalid`. */
export function planRates(
  requests: readonly RateRequest[],
  at: number,
): { planned: GcraRequest[]; nowUs: number } {
  if (!Number.isFinite(at) || at < 0) {
    throw new CustosError('request.invalid', 'a rate decision needs a time in milliseconds', { at });
  }
  const keys = new Set<string>();
  const planned = requests.map((request) => {
    if (keys.has(request.key)) {
      throw new CustosError('request.invalid', 'a rate decision names a key twice', {
        key: request.key.slice(0, 80),
      });
    }
    keys.add(request.key);
    return gcraRequest(request.key, request.limit, request.cost);
  });
  return { planned, nowUs: Math.round(at * 1000) };
}

/** The combined answer from each request's step on its stored TAT. */
export function combineRates(
  planned: readonly GcraRequest[],
  stored: readonly number[],
  nowUs: number,
): { result: RatesResult; newTats: (number | undefined)[] } {
  const refused: number[] = [];
  const newTats: (number | undefined)[] = [];
  let retryAfterMs = 0;
  planned.forEach((request, i) => {
    const step = gcraStep(request, stored[i] ?? 0, nowUs);
    newTats.push(step.newTatUs);
    if (!step.result.allowed) {
      refused.push(i);
      retryAfterMs = Math.max(retryAfterMs, step.result.retryAfterMs);
    }
  });
  return { result: { allowed: refused.length === 0, refused, retryAfterMs }, newTats };
}

export interface MemoryRatesOptions {
  /** Hard cap on tracked keys; 200,000 by default. The least recently written go first. */
  maxKeys?: number;
}

/**
 * Rates in this process: a Map of key to TAT. All or nothing holds by construction, since
 * JavaScript runs one decision at a time. Dropping a key when full only makes that key lenient
 * again (a full burst), never stricter.
 */
export function createMemoryRates(options: MemoryRatesOptions = {}): Rates & { size(): number } {
  const maxKeys = options.maxKeys ?? 200_000;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw new CustosError('config.invalid', 'maxKeys must be a positive integer', { maxKeys });
  }
  const tats = new Map<string, number>();
  return {
    async consumeAll(requests, at) {
      const { planned, nowUs } = planRates(requests, at);
      const { result, newTats } = combineRates(
        planned,
        requests.map((r) => tats.get(r.key) ?? 0),
        nowUs,
      );
      if (!result.allowed) return result;
      requests.forEach((request, i) => {
        const tat = newTats[i];
        if (tat === undefined) return;
        // Re-inserting moves the key to the end: Map order is the eviction order.
        tats.delete(request.key);
        tats.set(request.key, tat);
      });
      for (const key of tats.keys()) {
        if (tats.size <= maxKeys) break;
        tats.delete(key);
      }
      return result;
    },
    async close() {
      tats.clear();
    },
    size: () => tats.size,
  };
}

/**
 * Rates that fall back to this node's own (memory) rates while the shared ones refuse with
 * limits.unavailable; limits then hold per node until the shared ones answer again. Any other
 * error is passed on.
 */
export function createFailoverRates(options: {
  primary: Rates;
  fallback: Rates;
  onFallback?: () => void;
}): Rates {
  const { primary, fallback, onFallback } = options;
  return {
    async consumeAll(requests, at) {
      try {
        return await primary.consumeAll(requests, at);
      } catch (error) {
        if (!isCustosError(error, 'limits.unavailable')) throw error;
        onFallback?.();
        return fallback.consumeAll(requests, at);
      }
    },
    async close() {
      await Promise.all([primary.close(), fallback.close()]);
    },
  };
}
