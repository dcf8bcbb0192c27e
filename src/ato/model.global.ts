import type { AtoModelConfig } from '../core/config.ato.model.js';
import {
  extractValues,
  featureCount,
  featureIndex,
  type ModelFeature,
  modelFeatures,
} from './model.features.js';
import { CountMinSketch, DistinctCounter, hashValue } from './model.sketch.js';
import type { Features } from './types.js';

/**
 * The population distribution p(x) of each model feature, counted over every account's learnt
 * sessions: Freeman et al.'s stand-in for the attacker's distribution p(x | attack).
 *
 * Per feature, bounded memory: the `heavyHitters` most frequent values are counted exactly in a
 * map; once a feature has more distinct values than fit (IPs, subnets, user agents, ASNs), every
 * value is also counted in a count-min sketch with conservative update, and a value whose sketch
 * estimate reaches the smallest exact count is promoted into the map. A promoted value's count
 * carries the sketch's overestimate from before its promotion (at most e·N/width, with
 * probability 1 − e^−depth); a value outside the map reads the sketch. A HyperLogLog counts the
 * distinct values, which the smoothing of unseen values needs.
 */

export type GlobalModelOptions = AtoModelConfig['global'];

interface FeatureCounter {
  /** Exact counts (since promotion, for a promoted value) of the most frequent values. */
  counts: Map<string, number>;
  /** The sketch estimate a tail value needs to enter `counts`: the smallest count kept at the last prune. */
  threshold: number;
  sketch?: CountMinSketch;
  distinct?: DistinctCounter;
}

/** A JSON form of the global model, for snapshots and for pooling nodes' counts. */
export interface GlobalSnapshot {
  version: 1;
  total: number;
  accounts: number;
  features: Record<
    string,
    {
      counts: Array<[string, number]>;
      threshold: number;
      sketch?: { width: number; depth: number; cells: string };
      distinct?: { precision: number; registers: string };
    }
  >;
}

export interface GlobalModel {
  /** Sessions counted (every feature's denominator). */
  readonly total: number;
  /** Accounts that have at least one counted session. */
  readonly accounts: number;
  /** Counts one learnt session; `newAccount` when it is the account's first. */
  observe(features: Features, options?: { newAccount?: boolean }): void;
  /** Counts one session given as feature values indexed as `modelFeatures` (undefined: absent). */
  observeValues(values: ReadonlyArray<string | undefined>, newAccount: boolean): void;
  /** Sessions with this value (exact for frequent values, a sketch's upper estimate for rare ones). */
  count(feature: ModelFeature, value: string): number;
  /** Distinct values seen for the feature (exact below heavyHitters, else a HyperLogLog estimate). */
  distinct(feature: ModelFeature): number;
  /** Smoothed p(value) = (count + s) / (N + s·(distinct + 1)): every value, seen or not, above 0. */
  probability(feature: ModelFeature, value: string): number;
  /** `probability` by feature index, for the scorer's hot path. */
  probabilityAt(index: number, value: string): number;
  /** Adds another model's counts (a disjoint share, e.g. another node's since the last pooling). */
  merge(other: GlobalModel): void;
  toSnapshot(): GlobalSnapshot;
}

/** Creates an empty global distribution. */
export function createGlobalModel(options: GlobalModelOptions): GlobalModel {
  return buildModel(options, 0, 0, freshCounters());
}

function freshCounters(): FeatureCounter[] {
  return modelFeatures.map(() => ({ counts: new Map<string, number>(), threshold: 1 }));
}

function buildModel(
  options: GlobalModelOptions,
  initialTotal: number,
  initialAccounts: number,
  counters: FeatureCounter[],
): GlobalModel {
  let total = initialTotal;
  let accounts = initialAccounts;
  const keep = options.heavyHitters;
  const smoothing = options.smoothing;
  const scratchValues: Array<string | undefined> = new Array(featureCount);

  // The map may grow to twice its size between prunes, so pruning (a sort) is amortised.
  function prune(counter: FeatureCounter): void {
    if (!counter.sketch) startSketch(counter);
    const entries = [...counter.counts].sort((a, b) => b[1] - a[1]);
    counter.counts = new Map(entries.slice(0, keep));
    counter.threshold = Math.max(1, entries[keep - 1]?.[1] ?? 1);
  }

  // The first time a feature outgrows its map, everything counted so far goes into the sketch.
  function startSketch(counter: FeatureCounter): void {
    const sketch = new CountMinSketch(options.sketchWidth, options.sketchDepth);
    const distinct = new DistinctCounter(options.distinctPrecision);
    for (const [value, count] of counter.counts) {
      hashValue(value);
      sketch.addHashed(count);
      distinct.addHashed();
    }
    counter.sketch = sketch;
    counter.distinct = distinct;
  }

  function add(counter: FeatureCounter, value: string, count: number): void {
    const known = counter.counts.get(value);
    const sketch = counter.sketch;
    if (!sketch) {
      counter.counts.set(value, (known ?? 0) + count);
      if (counter.counts.size > 2 * keep) prune(counter);
      return;
    }
    hashValue(value);
    sketch.addHashed(count);
    counter.distinct?.addHashed();
    if (known !== undefined) {
      counter.counts.set(value, known + count);
      return;
    }
    const estimate = sketch.estimateHashed();
    if (estimate >= counter.threshold) {
      counter.counts.set(value, estimate);
      if (counter.counts.size > 2 * keep) prune(counter);
    }
  }

  function countAt(index: number, value: string): number {
    const counter = counters[index] as FeatureCounter;
    const known = counter.counts.get(value);
    if (known !== undefined) return known;
    return counter.sketch ? counter.sketch.estimate(value) : 0;
  }

  function distinctAt(index: number): number {
    const counter = counters[index] as FeatureCounter;
    const size = counter.counts.size;
    return counter.distinct ? Math.max(size, Math.round(counter.distinct.estimate())) : size;
  }

  function probabilityAt(index: number, value: string): number {
    return (countAt(index, value) + smoothing) / (total + smoothing * (distinctAt(index) + 1));
  }

  function observeValues(values: ReadonlyArray<string | undefined>, newAccount: boolean): void {
    total++;
    if (newAccount) accounts++;
    for (let i = 0; i < featureCount; i++) {
      const value = values[i];
      if (value !== undefined) add(counters[i] as FeatureCounter, value, 1);
    }
  }

  const model: GlobalModel = {
    get total() {
      return total;
    },
    get accounts() {
      return accounts;
    },
    observe(features, observeOptions) {
      extractValues(features, scratchValues);
      observeValues(scratchValues, observeOptions?.newAccount === true);
    },
    observeValues,
    count: (feature, value) => countAt(featureIndex[feature], value),
    distinct: (feature) => distinctAt(featureIndex[feature]),
    probability: (feature, value) => probabilityAt(featureIndex[feature], value),
    probabilityAt,
    merge(other) {
      const snapshot = other.toSnapshot();
      // Shapes are checked for every feature first, so a refused merge changes nothing.
      for (const entry of Object.values(snapshot.features)) {
        const sketch = entry.sketch;
        if (sketch && (sketch.width !== options.sketchWidth || sketch.depth !== options.sketchDepth)) {
          throw new RangeError('the sketches to merge differ in shape: the nodes are configured differently');
        }
        if (entry.distinct && entry.distinct.precision !== options.distinctPrecision) {
          throw new RangeError('the distinct counters to merge differ: the nodes are configured differently');
        }
      }
      for (let i = 0; i < featureCount; i++) {
        mergeCounter(counters[i] as FeatureCounter, snapshot.features[modelFeatures[i] as string]);
      }
      total += snapshot.total;
      accounts += snapshot.accounts;
    },
    toSnapshot: () => snapshotOf(total, accounts, counters),
  };

  function mergeCounter(
    counter: FeatureCounter,
    theirs: GlobalSnapshot['features'][string] | undefined,
  ): void {
    if (!theirs) return;
    const theirSketch = theirs.sketch ? decodeSketch(theirs.sketch) : undefined;
    const theirDistinct = theirs.distinct ? decodeDistinct(theirs.distinct) : undefined;
    // Without a sketch before the merge, our count of a value outside the map is exactly 0.
    const oursBefore = counter.sketch;
    if (theirSketch && !counter.sketch) startSketch(counter);
    const ours = counter.sketch;
    // Each side's count of a value is its exact count or, outside its map, its sketch estimate;
    // both are read before the sketches are pooled.
    const theirCounts = new Map(theirs.counts);
    const merged = new Map<string, number>();
    for (const [value, count] of counter.counts) {
      merged.set(value, count + (theirCounts.get(value) ?? theirSketch?.estimate(value) ?? 0));
    }
    for (const [value, count] of theirCounts) {
      if (!merged.has(value)) merged.set(value, count + (oursBefore ? oursBefore.estimate(value) : 0));
    }
    if (ours) {
      if (theirSketch) ours.merge(theirSketch);
      else for (const [value, count] of theirCounts) ours.add(value, count);
      if (theirDistinct && counter.distinct) counter.distinct.merge(theirDistinct);
      else for (const value of theirCounts.keys()) counter.distinct?.add(value);
    }
    counter.counts = merged;
    counter.threshold = Math.max(counter.threshold, theirs.threshold);
    if (merged.size > 2 * keep) prune(counter);
  }

  return model;
}

const base64 = (bytes: Uint8Array | Uint32Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function snapshotOf(total: number, accounts: number, counters: FeatureCounter[]): GlobalSnapshot {
  const features: GlobalSnapshot['features'] = {};
  counters.forEach((counter, i) => {
    features[modelFeatures[i] as string] = {
      counts: [...counter.counts],
      threshold: counter.threshold,
      ...(counter.sketch && {
        sketch: {
          width: counter.sketch.width,
          depth: counter.sketch.depth,
          cells: base64(counter.sketch.cells),
        },
      }),
      ...(counter.distinct && {
        distinct: { precision: counter.distinct.precision, registers: base64(counter.distinct.registers) },
      }),
    };
  });
  return { version: 1, total, accounts, features };
}

function decodeSketch(s: { width: number; depth: number; cells: string }): CountMinSketch {
  const bytes = Buffer.from(s.cells, 'base64');
  if (bytes.byteLength !== s.width * s.depth * 4) throw new RangeError('sketch cells do not match its shape');
  // Copied into a fresh, aligned buffer: a Buffer may sit at any offset of a shared pool.
  const cells = new Uint32Array(s.width * s.depth);
  new Uint8Array(cells.buffer).set(bytes);
  return new CountMinSketch(s.width, s.depth, cells);
}

function decodeDistinct(d: { precision: number; registers: string }): DistinctCounter {
  const bytes = Buffer.from(d.registers, 'base64');
  if (bytes.byteLength !== 2 ** d.precision)
    throw new RangeError('distinct registers do not match precision');
  return new DistinctCounter(d.precision, new Uint8Array(bytes));
}

export type GlobalSnapshotResult = { ok: true; model: GlobalModel } | { ok: false; reason: string };

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * Rebuilds a global model from a snapshot (its JSON text or the parsed object). A malformed one
 * is refused with a reason, never half-loaded: the caller logs it and starts from empty.
 */
export function parseGlobalSnapshot(input: unknown, options: GlobalModelOptions): GlobalSnapshotResult {
  try {
    const data = (typeof input === 'string' ? JSON.parse(input) : input) as Partial<GlobalSnapshot> | null;
    if (!data || typeof data !== 'object' || data.version !== 1)
      return { ok: false, reason: 'not a version 1 snapshot' };
    if (!isCount(data.total) || !isCount(data.accounts)) return { ok: false, reason: 'bad totals' };
    if (!data.features || typeof data.features !== 'object') return { ok: false, reason: 'no features' };
    const counters = freshCounters();
    for (let i = 0; i < featureCount; i++) {
      const name = modelFeatures[i] as string;
      const entry = Object.hasOwn(data.features, name) ? data.features[name] : undefined;
      if (entry === undefined) continue;
      const counter = counters[i] as FeatureCounter;
      if (!Array.isArray(entry.counts) || !isCount(entry.threshold))
        return { ok: false, reason: `bad ${name}` };
      for (const pair of entry.counts as unknown[]) {
        if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !isCount(pair[1])) {
          return { ok: false, reason: `bad count in ${name}` };
        }
        counter.counts.set(pair[0], pair[1]);
      }
      counter.threshold = Math.max(1, entry.threshold);
      if (entry.sketch) {
        const sketch = decodeSketch(entry.sketch);
        if (sketch.width !== options.sketchWidth || sketch.depth !== options.sketchDepth) {
          return { ok: false, reason: `${name} sketch shape differs from the configuration` };
        }
        const distinct = entry.distinct
          ? decodeDistinct(entry.distinct)
          : new DistinctCounter(options.distinctPrecision);
        if (distinct.precision !== options.distinctPrecision) {
          return { ok: false, reason: `${name} distinct counter precision differs from the configuration` };
        }
        counter.sketch = sketch;
        counter.distinct = distinct;
      }
    }
    return { ok: true, model: buildModel(options, data.total, data.accounts, counters) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : 'unreadable' };
  }
}
