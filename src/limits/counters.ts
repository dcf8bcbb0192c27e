import { createHash } from 'node:crypto';
import { CustosError } from '../core/errors.js';
import { maxPeriodMs } from './limiter.js';

/**
 * Windowed counters driven by the event's own time, never the wall clock: a replayed log gets the
 * answers live traffic got, and an event that arrives late counts in the bucket of its own time.
 *
 * A window of `windowMs` is cut into `buckets` fixed buckets of `bucketMs = ceil(windowMs /
 * buckets)`. An event at time t falls in bucket k = floor(t / bucketMs). A read at t sums buckets
 * k-n … k (the past, n = buckets) and k+1 … k+n (`later`: events stamped after t that were counted
 * before it, which live traffic never has). The past therefore covers between windowMs and
 * windowMs + bucketMs: a count never misses an event of the last windowMs and may include events
 * up to one bucket older. Limits built on it err on the strict side by at most one bucket's events.
 */

export interface CounterWindow {
  windowMs: number;
  /** Sub-buckets per window, 1-64; 24 by default. More buckets, smaller error, larger reads. */
  buckets?: number;
}

/** Adds `add` (0 reads only) to a sliding-window count of the key. */
export interface CountOp {
  type: 'count';
  /** The entity counted: every op on one key runs in one atomic script (one Redis hash slot). */
  key: string;
  /** Tells apart several counters of one key, e.g. `req` and `ok`. */
  name?: string;
  window: CounterWindow;
  add?: number;
}

export interface CountResult {
  type: 'count';
  /** Events in the window ending at the batch time, this op's own add included. */
  count: number;
  /** Events stamped after the batch time and within a window of it. */
  later: number;
}

/**
 * Counts distinct members (e.g. accounts seen from one IP) in a sliding window. A member is
 * counted once in the bucket where it is first seen, and again only when seen a full window after
 * it was last counted; a register per member remembers when.
 */
export interface DistinctOp {
  type: 'distinct';
  key: string;
  name?: string;
  member: string;
  window: CounterWindow;
  /** False only reads (the member is neither counted nor remembered); true by default. */
  add?: boolean;
}

export interface DistinctResult {
  type: 'distinct';
  /** Distinct members in the window, this one included when it was counted now. */
  count: number;
  later: number;
  /** The member was already counted within a window of the batch time. */
  seen: boolean;
}

/**
 * One limit of a pace op. `delaysMs[i - 1]` is how long after the previous recorded attempt an
 * attempt must come when i attempts are in the window (the last entry repeats; none means no
 * wait); `max` caps the attempts in the window.
 */
export interface PaceLimit {
  window: CounterWindow;
  delaysMs?: readonly number[];
  max?: number;
}

/**
 * Attempts paced by schedules and caps (resend schedules, exponential backoff, daily caps). The
 * op is open when every limit is; `record` says when the attempt is counted: `if_open` counts only
 * attempts that pass (atomically, so concurrent attempts cannot both take the last place),
 * `always` counts refused ones too, `never` only looks.
 */
export interface PaceOp {
  type: 'pace';
  key: string;
  name?: string;
  record: 'if_open' | 'always' | 'never';
  limits: readonly PaceLimit[];
}

export interface PaceResult {
  type: 'pace';
  open: boolean;
  recorded: boolean;
  /** 0 when open; otherwise when the same attempt would pass if nothing else were recorded. */
  retryAfterMs: number;
  /** Attempts in each limit's window before this one (later ones included). */
  prior: number[];
  /** The latest recorded attempt's time, if any. */
  previous?: number;
}

export type CounterOp = CountOp | DistinctOp | PaceOp;
export type CounterResult = CountResult | DistinctResult | PaceResult;
export type ResultOf<O extends CounterOp> = O extends CountOp
  ? CountResult
  : O extends DistinctOp
    ? DistinctResult
    : PaceResult;
export type ResultsOf<T extends readonly CounterOp[]> = { -readonly [I in keyof T]: ResultOf<T[I]> };

/** Shared counters with memory and Redis backends. */
export interface Counters {
  /**
   * Runs every read and write of one event at its time, in one round trip on Redis; results come
   * in op order. Ops on one key are atomic together; ops on different keys are not (see redis).
   * Throws `request.invalid` for a malformed batch and `limits.unavailable` when Redis fails.
   */
  run<const T extends readonly CounterOp[]>(time: number, ops: T): Promise<ResultsOf<T>>;
  close(): Promise<void>;
}

export const defaultBuckets = 24;
export const maxOps = 64;
export const maxDelays = 32;
/** Latest accepted event time (year 2286): keeps bucket arithmetic exact in doubles and Lua. */
export const maxTime = 1e13;
// Counter keys are built by callers from identifiers; `{`, `}` and `|` are kept out so that the
// hash tag is exactly the key and no two (key, suffix) pairs spell the same storage key.
const keyPattern = /^[\x21-\x7a\x7e]{1,512}$/;
const namePattern = /^[a-z0-9_.-]{0,32}$/;

function invalid(message: string, details: Record<string, unknown> = {}): CustosError {
  return new CustosError('request.invalid', message, details);
}

const isInt = (value: unknown, min: number, max: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

/** A validated window: bucket size, bucket count and the storage TTL. */
export interface WindowShape {
  windowMs: number;
  bucketMs: number;
  n: number;
  /** Wall-clock TTL of stored buckets: twice the span a read can reach. */
  ttlMs: number;
}

function windowShape(window: CounterWindow | undefined): WindowShape {
  const windowMs = window?.windowMs;
  const n = window?.buckets ?? defaultBuckets;
  if (!isInt(windowMs, 1, maxPeriodMs)) throw invalid(`windowMs must be between 1 and ${maxPeriodMs}`);
  if (!isInt(n, 1, 64)) throw invalid('buckets must be an integer between 1 and 64', { buckets: n });
  const bucketMs = Math.ceil(windowMs / n);
  return { windowMs, bucketMs, n, ttlMs: 2 * (n + 1) * bucketMs };
}

/** A counter op checked and brought to the form both backends execute. */
export type PlannedOp =
  | { type: 'count'; key: string; store: string; shape: WindowShape; add: number }
  | { type: 'distinct'; key: string; store: string; memberStore: string; shape: WindowShape; add: boolean }
  | {
      type: 'pace';
      key: string;
      previousStore: string;
      record: PaceOp['record'];
      limits: { store: string; shape: WindowShape; delaysMs: number[]; max: number }[];
      previousTtlMs: number;
    };

/** Storage names inside one key's hash tag; the caller prefixes `${prefix}{${key}}`. */
const windowSuffix = (name: string, shape: WindowShape) => `|w|${name}|${shape.windowMs}|${shape.bucketMs}`;
const memberSuffix = (name: string, shape: WindowShape, member: string) =>
  `|m|${name}|${shape.windowMs}|${createHash('sha256').update(member).digest('hex').slice(0, 32)}`;

function checkKey(op: { key?: unknown; name?: unknown }): { key: string; name: string } {
  if (typeof op.key !== 'string' || !keyPattern.test(op.key)) {
    throw invalid('a counter key must be 1 to 512 printable characters without braces or |', {
      keyLength: typeof op.key === 'string' ? op.key.length : null,
    });
  }
  const name = op.name ?? '';
  if (typeof name !== 'string' || !namePattern.test(name)) {
    throw invalid('a counter name must be up to 32 of a-z, 0-9, _ . -');
  }
  return { key: op.key, name };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

function planOp(op: CounterOp): PlannedOp {
  if (!isObject(op)) throw invalid('a counter op must be an object');
  const { key, name } = checkKey(op);
  switch (op.type) {
    case 'count': {
      const shape = windowShape(op.window);
      const add = op.add ?? 0;
      if (!isInt(add, 0, 1_000_000)) throw invalid('add must be an integer between 0 and 1000000');
      return { type: 'count', key, store: windowSuffix(name, shape), shape, add };
    }
    case 'distinct': {
      const shape = windowShape(op.window);
      if (typeof op.member !== 'string' || op.member.length < 1 || op.member.length > 512) {
        throw invalid('a distinct member must be a string of 1 to 512 characters');
      }
      if (op.add !== undefined && typeof op.add !== 'boolean') throw invalid('add must be a boolean');
      return {
        type: 'distinct',
        key,
        store: windowSuffix(name, shape),
        memberStore: memberSuffix(name, shape, op.member),
        shape,
        add: op.add ?? true,
      };
    }
    case 'pace': {
      if (!['if_open', 'always', 'never'].includes(op.record))
        throw invalid('record must be if_open, always or never');
      if (!Array.isArray(op.limits) || op.limits.length < 1 || op.limits.length > 4) {
        throw invalid('a pace op needs 1 to 4 limits');
      }
      const limits = op.limits.map((limit: PaceLimit) => {
        if (!isObject(limit)) throw invalid('a pace limit must be an object');
        const shape = windowShape(limit.window);
        const delaysMs = [...(limit.delaysMs ?? [])];
        if (delaysMs.length > maxDelays || !delaysMs.every((d) => isInt(d, 0, maxPeriodMs))) {
          throw invalid(`delaysMs must hold at most ${maxDelays} durations between 0 and ${maxPeriodMs}`);
        }
        const max = limit.max ?? -1;
        if (max !== -1 && !isInt(max, 1, 1_000_000_000)) throw invalid('max must be a positive integer');
        return { store: windowSuffix(name, shape), shape, delaysMs, max };
      });
      const longest = Math.max(...limits.map((l) => Math.max(l.shape.ttlMs, 2 * Math.max(0, ...l.delaysMs))));
      return {
        type: 'pace',
        key,
        previousStore: `|p|${name}`,
        record: op.record,
        limits,
        previousTtlMs: longest,
      };
    }
    default:
      throw invalid('a counter op must be of type count, distinct or pace');
  }
}

/** Checks a batch and plans its ops; throws `request.invalid` on anything malformed. */
export function planBatch(time: number, ops: readonly CounterOp[]): PlannedOp[] {
  if (!isInt(time, 0, maxTime)) throw invalid('the batch time must be an integer of milliseconds since 1970');
  if (!Array.isArray(ops) || ops.length > maxOps) throw invalid(`a batch holds at most ${maxOps} ops`);
  return ops.map(planOp);
}

/** The bucket of time t. */
export const bucketOf = (time: number, shape: WindowShape): number => Math.floor(time / shape.bucketMs);

/** What a backend read for one window: buckets k-n … k+n before this op's write, 0 if unknown. */
export type RawWindow = number[];

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Splits a raw read into the past window (k-n … k) and the later buckets. */
export function windowSums(raw: RawWindow, n: number): { past: number; later: number } {
  return { past: sum(raw.slice(0, n + 1)), later: sum(raw.slice(n + 1)) };
}

/** The wait a limit asks after the previous attempt when `prior` attempts are in its window. */
export function requiredDelay(delaysMs: readonly number[], prior: number): number {
  if (prior === 0 || delaysMs.length === 0) return 0;
  return delaysMs[Math.min(prior, delaysMs.length) - 1] as number;
}

/** Whether one limit lets an attempt through at `time`; the backends' scripts mirror this. */
export function limitOpen(
  limit: { delaysMs: readonly number[]; max: number },
  prior: number,
  previous: number | undefined,
  time: number,
): boolean {
  if (limit.max !== -1 && prior >= limit.max) return false;
  const wait = requiredDelay(limit.delaysMs, prior);
  return wait === 0 || previous === undefined || time - previous >= wait;
}

/**
 * How long until a closed limit opens if nothing else is recorded: the end of the wait after the
 * previous attempt, and the first bucket at which the events still in reach fall under `max`.
 */
export function limitRetryAfter(
  limit: { shape: WindowShape; delaysMs: readonly number[]; max: number },
  raw: RawWindow,
  previous: number | undefined,
  time: number,
): number {
  const prior = sum(raw);
  let until = time;
  const wait = requiredDelay(limit.delaysMs, prior);
  if (wait > 0 && previous !== undefined) until = Math.max(until, previous + wait);
  if (limit.max !== -1 && prior >= limit.max) {
    // At bucket k + j a read reaches buckets k - n + j and after, i.e. raw[j…].
    const k = bucketOf(time, limit.shape);
    let remaining = prior;
    for (let j = 1; j < raw.length + 1; j++) {
      remaining -= raw[j - 1] as number;
      if (remaining < limit.max) {
        until = Math.max(until, (k + j) * limit.shape.bucketMs);
        break;
      }
    }
  }
  return until - time;
}

/** The pace result from what a backend read and did. */
export function paceResult(
  op: Extract<PlannedOp, { type: 'pace' }>,
  raws: RawWindow[],
  previous: number | undefined,
  recorded: boolean,
  time: number,
): PaceResult {
  const prior = raws.map(sum);
  const open = op.limits.every((limit, i) => limitOpen(limit, prior[i] as number, previous, time));
  const retryAfterMs = open
    ? 0
    : Math.max(...op.limits.map((limit, i) => limitRetryAfter(limit, raws[i] as RawWindow, previous, time)));
  return {
    type: 'pace',
    open,
    recorded,
    retryAfterMs,
    prior,
    ...(previous === undefined ? {} : { previous }),
  };
}

/** Whether a member register written at `counted` still covers time t. */
export const memberSeen = (counted: number | undefined, time: number, shape: WindowShape): boolean =>
  counted !== undefined && Math.abs(time - counted) < shape.windowMs;
