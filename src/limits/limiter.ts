import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';

/** At most `limit` units per `periodMs`, with bursts of up to `limit` units. */
export interface RateLimit {
  limit: number;
  periodMs: number;
}

export interface LimitResult {
  allowed: boolean;
  /** Units that could still be consumed right now. */
  remaining: number;
  /** 0 when allowed; otherwise how long until the same request would be allowed. */
  retryAfterMs: number;
  /** How long until the key is back to a full burst. */
  resetAfterMs: number;
}

export interface Limiter {
  /**
   * Consumes `cost` units (default 1) when allowed; a denied request consumes nothing. Cost 0 only
   * peeks: it reports whether one unit would be allowed, without consuming. Atomic per key.
   */
  consume(key: string, limit: RateLimit, cost?: number): Promise<LimitResult>;
  /**
   * Gives back `cost` units (default 1) that an earlier consume on this key and rate took, e.g. a
   * reservation whose attempt turned out not to count. The key never ends up with more than a full
   * burst, however much is refunded. Atomic per key, like consume.
   */
  refund(key: string, limit: RateLimit, cost?: number): Promise<void>;
  /** Forgets the key (e.g. after a successful login). */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

export const maxKeyLength = 512;
// Above this, TAT in microseconds could exceed 2^53 and stop being exact.
export const maxPeriodMs = 366 * 24 * 60 * 60 * 1000;

/**
 * One GCRA request in integer microseconds. Integers keep the arithmetic exact in JavaScript and
 * in Redis Lua (both doubles), so a burst of exactly `limit` passes even when periodMs/limit is
 * not a whole number of milliseconds.
 */
export interface GcraRequest {
  /** Emission interval T, rounded down: lenient by under 1 µs per unit. */
  intervalUs: number;
  /** Tolerance tau = T * limit, so the burst is exactly `limit`. */
  toleranceUs: number;
  /** How far this request pushes the TAT; a peek is checked as a cost of 1. */
  incrementUs: number;
  /** False for a peek (cost 0), which never writes. */
  consumes: boolean;
}

function invalid(message: string, details: Record<string, unknown>): CustosError {
  return new CustosError('request.invalid', message, details);
}

/** Throws `request.invalid` unless the key is a non-empty string of at most 512 characters. */
export function validateKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > maxKeyLength) {
    throw invalid(`a limiter key must be a string of 1 to ${maxKeyLength} characters`, {
      keyLength: typeof key === 'string' ? key.length : null,
    });
  }
}

/** Validates a consume call and turns it into the integer GCRA request both backends run. */
export function gcraRequest(key: string, rate: RateLimit, cost: number): GcraRequest {
  validateKey(key);
  // Callers from plain JavaScript or parsed JSON may hand in anything; read defensively.
  const limit = rate?.limit;
  const periodMs = rate?.periodMs;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw invalid('limit must be an integer of at least 1', { limit });
  }
  if (typeof periodMs !== 'number' || !(periodMs >= 1 && periodMs <= maxPeriodMs)) {
    throw invalid(`periodMs must be between 1 and ${maxPeriodMs}`, { periodMs });
  }
  if (!Number.isSafeInteger(cost) || cost < 0 || cost > limit) {
    throw invalid('cost must be an integer between 0 and the limit', { cost, limit });
  }
  const intervalUs = Math.floor((periodMs * 1000) / limit);
  // A zero interval would allow unlimited requests.
  if (intervalUs < 1) {
    throw invalid('a rate above one unit per microsecond is not supported', { limit, periodMs });
  }
  return {
    intervalUs,
    toleranceUs: intervalUs * limit,
    incrementUs: intervalUs * Math.max(cost, 1),
    consumes: cost > 0,
  };
}

/**
 * The TAT left after refunding `request`'s increment from `storedTatUs`, or undefined when nothing
 * is left to remember (the key is back to a full burst and can be forgotten).
 */
export function gcraRefund(request: GcraRequest, storedTatUs: number, nowUs: number): number | undefined {
  const tat = storedTatUs - request.incrementUs;
  return tat > nowUs ? tat : undefined;
}

/** The clock's time in whole microseconds, the unit of every stored TAT. */
export function nowMicros(clock: Clock): number {
  return Math.round(clock.now() * 1000);
}

const toMs = (us: number): number => Math.max(0, Math.ceil(us / 1000));

/**
 * One GCRA step on a stored theoretical arrival time (0 when the key is unknown). Returns the
 * result and, when the request consumed, the TAT to store.
 */
export function gcraStep(
  request: GcraRequest,
  storedTatUs: number,
  nowUs: number,
): { result: LimitResult; newTatUs: number | undefined } {
  const tat = Math.max(storedTatUs, nowUs);
  const candidate = tat + request.incrementUs;
  const allowed = candidate - nowUs <= request.toleranceUs;
  const held = allowed && request.consumes ? candidate : tat;
  const remaining = Math.floor((request.toleranceUs - (held - nowUs)) / request.intervalUs);
  return {
    result: {
      allowed,
      remaining: Math.max(0, remaining),
      retryAfterMs: allowed ? 0 : toMs(candidate - request.toleranceUs - nowUs),
      resetAfterMs: toMs(held - nowUs),
    },
    newTatUs: allowed && request.consumes ? candidate : undefined,
  };
}
