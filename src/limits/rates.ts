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
  /** Hard cap on tracked keys; 200,000 by default. Keys untouched longest go first. */
  maxKeys?: number;
}

/** A key's TAT in µs, updated in place so that a write allocates nothing. */
interface TatEntry {
  tat: number;
}

const toMs = (us: number): number => Math.max(0, Math.ceil(us / 1000));

/**
 * Rates in this process: a map of key to TAT. All or nothing holds by construction, since
 * JavaScript runs one decision at a time. Keys live in two generations of at most half the cap
 * each: a key is written in the young one (moved there from the old one when it is touched), and
 * when the young one is full the old one is dropped whole and the young one takes its place. So
 * at most `maxKeys` are held, a key touched within the last half-cap of new keys always survives,
 * and eviction costs nothing per decision. Dropping a key only makes that key lenient again (a
 * full burst), never stricter.
 */
export function createMemoryRates(options: MemoryRatesOptions = {}): Rates & { size(): number } {
  const maxKeys = options.maxKeys ?? 200_000;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw new CustosError('config.invalid', 'maxKeys must be a positive integer', { maxKeys });
  }
  const generation = Math.max(1, Math.floor(maxKeys / 2));
  let young = new Map<string, TatEntry>();
  let old = new Map<string, TatEntry>();
  // Scratch space for one decision, reused: the entries found and the TATs to write.
  let found: (TatEntry | undefined)[] = [];
  let planned: GcraRequest[] = [];
  let candidates: number[] = [];

  function lookup(key: string): TatEntry | undefined {
    const entry = young.get(key);
    if (entry !== undefined) return entry;
    const stale = old.get(key);
    if (stale !== undefined) {
      old.delete(key);
      adopt(key, stale);
    }
    return stale;
  }

  function adopt(key: string, entry: TatEntry): void {
    if (young.size >= generation) {
      old = young;
      young = new Map();
    }
    young.set(key, entry);
  }

  return {
    async consumeAll(requests, at) {
      if (!Number.isFinite(at) || at < 0) planRates(requests, at); // throws the request.invalid
      const nowUs = Math.round(at * 1000);
      const count = requests.length;
      if (found.length < count) {
        found = new Array(count);
        planned = new Array(count);
        candidates = new Array(count);
      }
      let refused: number[] | undefined;
      let retryAfterUs = 0;
      for (let i = 0; i < count; i++) {
        const request = requests[i] as RateRequest;
        for (let j = 0; j < i; j++) {
          if ((requests[j] as RateRequest).key === request.key) planRates(requests, at); // throws
        }
        const gcra = gcraRequest(request.key, request.limit, request.cost);
        const entry = lookup(request.key);
        const candidate = Math.max(entry?.tat ?? 0, nowUs) + gcra.incrementUs;
        if (candidate - nowUs > gcra.toleranceUs) {
          refused ??= [];
          refused.push(i);
          retryAfterUs = Math.max(retryAfterUs, candidate - gcra.toleranceUs - nowUs);
        }
        found[i] = entry;
        planned[i] = gcra;
        candidates[i] = candidate;
      }
      if (refused !== undefined) return { allowed: false, refused, retryAfterMs: toMs(retryAfterUs) };
      for (let i = 0; i < count; i++) {
        if (!(planned[i] as GcraRequest).consumes) continue;
        const entry = found[i];
        if (entry !== undefined) entry.tat = candidates[i] as number;
        else adopt((requests[i] as RateRequest).key, { tat: candidates[i] as number });
      }
      return { allowed: true, refused: [], retryAfterMs: 0 };
    },
    async close() {
      young.clear();
      old.clear();
    },
    size: () => young.size + old.size,
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
