import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { featureCount, featureIndex, type ModelFeature } from '../../src/ato/model.features.js';
import { createGlobalModel, type GlobalModel, parseGlobalSnapshot } from '../../src/ato/model.global.js';
import { CountMinSketch, DistinctCounter } from '../../src/ato/model.sketch.js';
import { atoModelConfig } from '../../src/core/config.ato.model.js';
import { sessionFeatures } from '../support/ato.sessions.js';

const defaults = atoModelConfig.parse({}).global;
// Small enough that a test outgrows the exact map: 8 exact values, 1024 × 4 sketch counters.
const small = { ...defaults, heavyHitters: 8, sketchWidth: 1024, sketchDepth: 4, distinctPrecision: 10 };

/** Counts one value of one feature per session, the others absent. */
function observe(
  model: GlobalModel,
  feature: ModelFeature,
  value: string,
  times = 1,
  newAccount = false,
): void {
  const values: Array<string | undefined> = new Array(featureCount);
  values[featureIndex[feature]] = value;
  for (let i = 0; i < times; i++) model.observeValues(values, newAccount);
}

describe('the population distribution', () => {
  it('counts sessions and new accounts from enriched features', () => {
    const model = createGlobalModel(defaults);
    const session = sessionFeatures({
      ip: '203.0.113.7',
      subnet: '203.0.113.0/24',
      asn: 3320,
      country: 'DE',
      hour: 9,
    });
    model.observe(session, { newAccount: true });
    model.observe(session);
    expect([model.total, model.accounts]).toEqual([2, 1]);
    expect(model.count('asn', 'AS3320')).toBe(2);
    expect(model.count('hour', '9')).toBe(2);
    expect(model.count('agent', 'anything')).toBe(0);
  });

  it('smooths so that an unseen value is possible and the rest sum to one', () => {
    const model = createGlobalModel(defaults);
    observe(model, 'country', 'DE', 2);
    observe(model, 'country', 'BR');
    // s = 1, N = 3 sessions, 2 distinct values plus one slot for the unseen:
    // p(DE) = (2 + 1) / (3 + 1·3) = 0.5, p(BR) = 2/6, p(anything else) = 1/6.
    expect(model.probability('country', 'DE')).toBeCloseTo(0.5, 12);
    expect(model.probability('country', 'BR')).toBeCloseTo(2 / 6, 12);
    expect(model.probability('country', 'FR')).toBeCloseTo(1 / 6, 12);
    expect(model.distinct('country')).toBe(2);
  });

  it('keeps the frequent values exact and bounds the rest once a feature outgrows its map', () => {
    const model = createGlobalModel(small);
    observe(model, 'ip', 'hot', 500);
    observe(model, 'ip', 'warm', 100);
    for (let i = 0; i < 2000; i++) observe(model, 'ip', `cold-${i}`);
    const snapshot = model.toSnapshot().features.ip;
    expect(snapshot?.sketch).toBeDefined();
    expect(snapshot?.counts.length).toBeLessThanOrEqual(16);
    expect(model.count('ip', 'hot')).toBe(500);
    expect(model.count('ip', 'warm')).toBe(100);
    // A tail value is never undercounted; with N = 2600 and width 1024 the bound e·N/w is about 7.
    for (const value of ['cold-0', 'cold-999', 'cold-1999']) {
      expect(model.count('ip', value)).toBeGreaterThanOrEqual(1);
      expect(model.count('ip', value)).toBeLessThanOrEqual(1 + Math.ceil((Math.E * 2600) / 1024));
    }
    // 2002 distinct values; HyperLogLog at precision 10 has a 3.3 % standard error.
    expect(Math.abs(model.distinct('ip') - 2002) / 2002).toBeLessThan(0.1);
  });

  it('never undercounts a value in the sketch (any stream)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 400 }), (stream) => {
        const sketch = new CountMinSketch(64, 3);
        const truth = new Map<number, number>();
        for (const value of stream) {
          sketch.add(`v${value}`, 1);
          truth.set(value, (truth.get(value) ?? 0) + 1);
        }
        for (const [value, count] of truth)
          expect(sketch.estimate(`v${value}`)).toBeGreaterThanOrEqual(count);
      }),
    );
  });

  it('counts distinct values within the HyperLogLog error, and merges them as a union', () => {
    const a = new DistinctCounter(12);
    const b = new DistinctCounter(12);
    for (let i = 0; i < 20_000; i++) a.add(`a${i}`);
    for (let i = 0; i < 20_000; i++) b.add(i < 10_000 ? `a${i}` : `b${i}`);
    expect(Math.abs(a.estimate() - 20_000) / 20_000).toBeLessThan(0.05);
    a.merge(b);
    expect(Math.abs(a.estimate() - 30_000) / 30_000).toBeLessThan(0.05);
  });
});

describe('snapshots and merging', () => {
  it('reads a snapshot back to the same counts, exact and sketched', () => {
    const model = createGlobalModel(small);
    observe(model, 'country', 'DE', 3, true);
    for (let i = 0; i < 50; i++) observe(model, 'ip', `ip-${i % 20}`);
    const read = parseGlobalSnapshot(JSON.stringify(model.toSnapshot()), small);
    if (!read.ok) throw new Error(read.reason);
    expect([read.model.total, read.model.accounts]).toEqual([53, 3]);
    for (const value of ['DE', 'BR']) {
      expect(read.model.probability('country', value)).toBe(model.probability('country', value));
    }
    for (const value of ['ip-0', 'ip-19', 'ip-99']) {
      expect(read.model.count('ip', value)).toBe(model.count('ip', value));
    }
    expect(read.model.distinct('ip')).toBe(model.distinct('ip'));
  });

  it.each([
    ['not JSON', '{'],
    ['another version', JSON.stringify({ version: 2, total: 0, accounts: 0, features: {} })],
    ['a negative total', JSON.stringify({ version: 1, total: -1, accounts: 0, features: {} })],
    [
      'a count that is no number',
      JSON.stringify({
        version: 1,
        total: 1,
        accounts: 0,
        features: { ip: { counts: [['a', 'x']], threshold: 1 } },
      }),
    ],
    [
      'a sketch of the wrong size',
      JSON.stringify({
        version: 1,
        total: 1,
        accounts: 0,
        features: { ip: { counts: [], threshold: 1, sketch: { width: 1024, depth: 4, cells: 'AAAA' } } },
      }),
    ],
  ])('refuses a malformed snapshot (%s)', (_, text) => {
    const read = parseGlobalSnapshot(text, small);
    expect(read.ok).toBe(false);
  });

  it('refuses a snapshot whose sketch differs from the configuration', () => {
    const model = createGlobalModel(small);
    for (let i = 0; i < 40; i++) observe(model, 'ip', `ip-${i}`);
    expect(parseGlobalSnapshot(model.toSnapshot(), { ...small, sketchWidth: 2048 })).toEqual({
      ok: false,
      reason: 'ip sketch shape differs from the configuration',
    });
  });

  it('pools two nodes’ exact counts into what one node would have counted', () => {
    const one = createGlobalModel(defaults);
    const two = createGlobalModel(defaults);
    const both = createGlobalModel(defaults);
    for (const [model, value, times] of [
      [one, 'DE', 3],
      [two, 'DE', 2],
      [two, 'BR', 4],
    ] as const) {
      observe(model, 'country', value, times, true);
      observe(both, 'country', value, times, true);
    }
    one.merge(two);
    expect([one.total, one.accounts]).toEqual([9, 9]);
    for (const value of ['DE', 'BR', 'FR']) {
      expect(one.probability('country', value)).toBe(both.probability('country', value));
    }
  });

  it('pools sketched counts without undercounting, whichever side had a sketch', () => {
    const exact = createGlobalModel(small);
    const sketched = createGlobalModel(small);
    observe(exact, 'ip', 'shared', 5);
    observe(sketched, 'ip', 'shared', 7);
    for (let i = 0; i < 100; i++) observe(sketched, 'ip', `tail-${i}`);
    exact.merge(sketched);
    expect(exact.total).toBe(112);
    expect(exact.count('ip', 'shared')).toBeGreaterThanOrEqual(12);
    expect(exact.count('ip', 'shared')).toBeLessThanOrEqual(12 + Math.ceil((Math.E * 112) / 1024));
    for (const value of ['tail-0', 'tail-99']) expect(exact.count('ip', value)).toBeGreaterThanOrEqual(1);
    expect(Math.abs(exact.distinct('ip') - 101)).toBeLessThan(10);
  });

  it('refuses to pool sketches of different shapes', () => {
    const a = createGlobalModel(small);
    const b = createGlobalModel({ ...small, sketchWidth: 2048 });
    for (let i = 0; i < 40; i++) {
      observe(a, 'ip', `a-${i}`);
      observe(b, 'ip', `b-${i}`);
    }
    expect(() => a.merge(b)).toThrow(RangeError);
  });
});
