import { CustosError } from '../core/errors.js';
import {
  bucketOf,
  type CounterResult,
  type Counters,
  limitOpen,
  memberSeen,
  type PlannedOp,
  paceResult,
  planBatch,
  type RawWindow,
  type ResultsOf,
  type WindowShape,
  windowSums,
} from './counters.js';

export interface MemoryCountersOptions {
  /** Hard cap on stored windows and registers together; 200,000 by default. */
  maxKeys?: number;
}

export interface MemoryCounters extends Counters {
  /** Windows and registers currently stored. */
  size(): number;
}

/** Buckets of one window and the highest bucket ever written (buckets below hi - 2n are dead). */
interface WindowEntry {
  kind: 'window';
  buckets: Map<number, number>;
  hi: number;
  /** Event time after which no read near the latest write can reach this entry. */
  until: number;
}

interface RegisterEntry {
  kind: 'register';
  value: number;
  until: number;
}

type Entry = WindowEntry | RegisterEntry;

/**
 * Counters for one process: a Map of storage name to buckets or register, where every batch runs
 * whole before the next (JavaScript runs one at a time), so a batch is atomic. The map never holds
 * more than `maxKeys` entries: when full it drops entries whose reach ended before the batch time,
 * then the least recently written. Dropping an entry only lowers counts (lenient, never stricter);
 * the size has to be chosen so that an attacker cannot churn a victim's counters out (see
 * docs/ato-rules.md). It never reads the wall clock: entries age by event time.
 */
export function createMemoryCounters(options: MemoryCountersOptions = {}): MemoryCounters {
  const maxKeys = options.maxKeys ?? 200_000;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw new CustosError('config.invalid', 'maxKeys must be a positive integer', { maxKeys });
  }
  const entries = new Map<string, Entry>();
  const sweepEvery = Math.max(1, Math.floor(maxKeys / 10));
  let newSinceSweep = sweepEvery;

  function makeRoom(time: number): void {
    if (newSinceSweep >= sweepEvery) {
      newSinceSweep = 0;
      for (const [name, entry] of entries) if (entry.until <= time) entries.delete(name);
    }
    for (const name of entries.keys()) {
      if (entries.size < maxKeys) break;
      entries.delete(name);
    }
  }

  /** Stores an entry as the most recently written. */
  function put(name: string, entry: Entry, time: number): void {
    if (!entries.delete(name)) {
      if (entries.size >= maxKeys) makeRoom(time);
      newSinceSweep++;
    }
    entries.set(name, entry);
  }

  function windowAt(name: string): WindowEntry | undefined {
    const entry = entries.get(name);
    return entry?.kind === 'window' ? entry : undefined;
  }

  function read(entry: WindowEntry | undefined, k: number, n: number): RawWindow {
    const raw: RawWindow = [];
    const dead = entry ? entry.hi - 2 * n : Number.NEGATIVE_INFINITY;
    for (let i = k - n; i <= k + n; i++) raw.push(i < dead ? 0 : (entry?.buckets.get(i) ?? 0));
    return raw;
  }

  /** Adds to bucket k unless it is dead; returns whether it wrote. */
  function add(name: string, shape: WindowShape, k: number, amount: number, time: number): boolean {
    const entry = windowAt(name) ?? { kind: 'window', buckets: new Map(), hi: k, until: 0 };
    if (k < entry.hi - 2 * shape.n) return false;
    entry.buckets.set(k, (entry.buckets.get(k) ?? 0) + amount);
    if (k > entry.hi) {
      entry.hi = k;
      for (const index of entry.buckets.keys()) if (index < k - 2 * shape.n) entry.buckets.delete(index);
    }
    entry.until = Math.max(entry.until, time + shape.ttlMs);
    put(name, entry, time);
    return true;
  }

  function register(name: string): number | undefined {
    const entry = entries.get(name);
    return entry?.kind === 'register' ? entry.value : undefined;
  }

  function runOp(prefix: string, op: PlannedOp, time: number): CounterResult {
    switch (op.type) {
      case 'count': {
        const name = prefix + op.store;
        const k = bucketOf(time, op.shape);
        const raw = read(windowAt(name), k, op.shape.n);
        const wrote = op.add > 0 && add(name, op.shape, k, op.add, time);
        const { past, later } = windowSums(raw, op.shape.n);
        return { type: 'count', count: past + (wrote ? op.add : 0), later };
      }
      case 'distinct': {
        const name = prefix + op.store;
        const memberName = prefix + op.memberStore;
        const k = bucketOf(time, op.shape);
        const seen = memberSeen(register(memberName), time, op.shape);
        const raw = read(windowAt(name), k, op.shape.n);
        const wrote = op.add && !seen && add(name, op.shape, k, 1, time);
        if (wrote) put(memberName, { kind: 'register', value: time, until: time + op.shape.ttlMs }, time);
        const { past, later } = windowSums(raw, op.shape.n);
        return { type: 'distinct', count: past + (wrote ? 1 : 0), later, seen };
      }
      case 'pace': {
        const previousName = prefix + op.previousStore;
        const previous = register(previousName);
        const raws = op.limits.map((limit) =>
          read(windowAt(prefix + limit.store), bucketOf(time, limit.shape), limit.shape.n),
        );
        const open = op.limits.every((limit, i) =>
          limitOpen(
            limit,
            (raws[i] as RawWindow).reduce((a, b) => a + b, 0),
            previous,
            time,
          ),
        );
        const recorded = op.record === 'always' || (op.record === 'if_open' && open);
        if (recorded) {
          for (const limit of op.limits) {
            add(prefix + limit.store, limit.shape, bucketOf(time, limit.shape), 1, time);
          }
          const value = Math.max(previous ?? time, time);
          put(previousName, { kind: 'register', value, until: time + op.previousTtlMs }, time);
        }
        return paceResult(op, raws, previous, recorded, time);
      }
    }
  }

  return {
    async run(time, ops) {
      const planned = planBatch(time, ops);
      return planned.map((op) => runOp(`{${op.key}}`, op, time)) as ResultsOf<typeof ops>;
    },
    async close() {
      entries.clear();
    },
    size: () => entries.size,
  };
}
