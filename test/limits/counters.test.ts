import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CustosError, isCustosError } from '../../src/core/errors.js';
import {
  type CounterOp,
  type Counters,
  type CountOp,
  createFailoverCounters,
  createMemoryCounters,
  createRedisCounters,
  type PaceOp,
} from '../../src/limits/index.js';
import { redisUrl, uniqueName } from '../support/services.js';

/** Fresh counters on one backend, plus more sharing its state the way cluster nodes do. */
interface Harness {
  counters: Counters;
  nodes(count: number): Counters[];
  dispose(): Promise<void>;
}

function memoryHarness(): Harness {
  const counters = createMemoryCounters();
  return {
    counters,
    nodes: (count) => Array.from({ length: count }, () => counters),
    dispose: () => counters.close(),
  };
}

async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
}

function redisHarness(url: string): Harness {
  const keyPrefix = `${uniqueName('custos_test')}:`;
  const admin = new Redis(url);
  const all = [createRedisCounters({ url, keyPrefix })];
  return {
    counters: all[0] as Counters,
    nodes(count) {
      // Each node has its own connection, as separate processes would.
      for (let i = 0; i < count; i++) all.push(createRedisCounters({ url, keyPrefix }));
      return all.slice(-count);
    },
    async dispose() {
      await deleteKeys(admin, keyPrefix);
      await Promise.all(all.map((counters) => counters.close()));
      await admin.quit();
    },
  };
}

const backends: [string, () => Harness][] = [['memory', memoryHarness]];
if (redisUrl) backends.push(['redis', () => redisHarness(redisUrl as string)]);

// 2026-01-01T00:00Z, a multiple of every bucket size below, so bucket k starts at T0 + k * size.
const T0 = Date.UTC(2026, 0, 1);
const s = 1000;
const m = 60 * s;
const h = 60 * m;
const minute = { windowMs: m, buckets: 6 }; // 10 s buckets
const hourly = { windowMs: h, buckets: 12 }; // 5 min buckets
const daily = { windowMs: 24 * h, buckets: 24 }; // 1 h buckets

describe.each(backends)('%s counters', (_name, open) => {
  let c: Harness;
  beforeEach(() => {
    c = open();
  });
  afterEach(() => c.dispose());

  const count = (key: string, add = 1, name?: string): CountOp => ({
    type: 'count',
    key,
    window: minute,
    add,
    ...(name ? { name } : {}),
  });

  it('counts a sliding window that keeps one bucket beyond windowMs, never less', async () => {
    expect(await c.counters.run(T0, [count('k')])).toEqual([{ type: 'count', count: 1, later: 0 }]);
    expect(await c.counters.run(T0 + 15 * s, [count('k')])).toEqual([{ type: 'count', count: 2, later: 0 }]);
    // At 69.999 s the read spans buckets 0..6 (0 s to 70 s): the event at 0 s, 70 s old at most, counts.
    expect((await c.counters.run(T0 + 69_999, [count('k', 0)]))[0].count).toBe(2);
    // At 70 s the read starts at bucket 1 (10 s): only the event at 15 s is left.
    expect((await c.counters.run(T0 + 70 * s, [count('k', 0)]))[0].count).toBe(1);
    expect((await c.counters.run(T0 + 80 * s, [count('k', 0)]))[0].count).toBe(0);
  });

  it('counts a late event in the bucket of its own time, and reports later events to it', async () => {
    await c.counters.run(T0 + 50 * s, [count('k')]);
    // The event of 5 s arrives after the one of 50 s: bucket 0 gets it; 50 s is in bucket 5 <= 0 + 6.
    expect(await c.counters.run(T0 + 5 * s, [count('k')])).toEqual([{ type: 'count', count: 1, later: 1 }]);
    // At 65 s (bucket 6) the read spans buckets 0..6 and holds both.
    expect((await c.counters.run(T0 + 65 * s, [count('k', 0)]))[0]).toEqual({
      type: 'count',
      count: 2,
      later: 0,
    });
    // At 70 s bucket 0 has left: only 50 s remains. The late event aged by its own time, not arrival.
    expect((await c.counters.run(T0 + 70 * s, [count('k', 0)]))[0].count).toBe(1);
  });

  it('gives the same answers to the same events whenever they are run', async () => {
    const events = [0, 3, 14, 14, 61, 75, 2].map((seconds) => T0 + seconds * s);
    const first = [];
    for (const time of events) first.push(await c.counters.run(time, [count('replay')]));
    const again = [];
    for (const time of events) again.push(await c.counters.run(time, [count('replay-2')]));
    expect(again).toEqual(first);
    // By hand: 1, 2, 3, 4; at 61 s (bucket 6) buckets 0..6 hold 4 + 1 = 5; at 75 s (bucket 7) buckets
    // 1..7 hold 14, 14, 61, 75 = 4; the late 2 s lands in bucket 0 with 0 and 3 (3) and sees the
    // buckets 1..6 after it (14, 14, 61 = 3); 75 s is in bucket 7, beyond its reach.
    expect(first.map(([r]) => [r.count, r.later])).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 0],
      [5, 0],
      [4, 0],
      [3, 3],
    ]);
  });

  it('keeps names and keys apart', async () => {
    const results = await c.counters.run(T0, [count('k', 2, 'req'), count('k', 1, 'ok'), count('other', 5)]);
    expect(results.map((r) => r.count)).toEqual([2, 1, 5]);
    const again = await c.counters.run(T0, [count('k', 0, 'req'), count('k', 0, 'ok'), count('other', 0)]);
    expect(again.map((r) => r.count)).toEqual([2, 1, 5]);
  });

  it('neither counts nor reads an event more than two windows older than the newest', async () => {
    // 6 buckets of 10 s: buckets below hi - 12 are dead. Newest at bucket 20 (200 s).
    await c.counters.run(T0 + 200 * s, [count('k')]);
    // Bucket 7 (75 s) < 20 - 12: dropped. Bucket 8 (85 s) is still live.
    expect((await c.counters.run(T0 + 75 * s, [count('k')]))[0]).toEqual({
      type: 'count',
      count: 0,
      later: 0,
    });
    expect((await c.counters.run(T0 + 85 * s, [count('k')]))[0]).toEqual({
      type: 'count',
      count: 1,
      later: 0,
    });
  });

  it('counts distinct members once per window', async () => {
    const distinct = (member: string, add = true): CounterOp => ({
      type: 'distinct',
      key: 'ip:192.0.2.1',
      member,
      window: minute,
      add,
    });
    const seq = async (time: number, member: string, add = true) =>
      (await c.counters.run(time, [distinct(member, add)]))[0];
    expect(await seq(T0, 'acct-a')).toEqual({ type: 'distinct', count: 1, later: 0, seen: false });
    expect(await seq(T0 + s, 'acct-b')).toMatchObject({ count: 2, seen: false });
    expect(await seq(T0 + 2 * s, 'acct-a')).toMatchObject({ count: 2, seen: true });
    // A read-only look at a new member neither counts nor remembers it.
    expect(await seq(T0 + 3 * s, 'acct-c', false)).toMatchObject({ count: 2, seen: false });
    expect(await seq(T0 + 4 * s, 'acct-c', false)).toMatchObject({ count: 2, seen: false });
    // 60 s after it was counted, acct-a counts again: the read at bucket 6 still holds bucket 0's 2
    // (the documented over-count at the window's edge), so 2 + 1 = 3.
    expect(await seq(T0 + 60 * s, 'acct-a')).toMatchObject({ count: 3, seen: false });
    // A late sighting of acct-a at 30 s is within 60 s of its register (60 s): seen.
    expect(await seq(T0 + 30 * s, 'acct-a')).toMatchObject({ seen: true });
  });

  const schedule: PaceOp = {
    type: 'pace',
    key: 'n:+441632960000',
    record: 'if_open',
    limits: [{ window: hourly, delaysMs: [m, 2 * m, 5 * m, 10 * m] }],
  };
  const pace = async (time: number, op: PaceOp = schedule) => (await c.counters.run(time, [op]))[0];

  it('paces attempts by a schedule, recording only those that pass', async () => {
    expect(await pace(T0)).toEqual({
      type: 'pace',
      open: true,
      recorded: true,
      retryAfterMs: 0,
      prior: [0],
    });
    // One attempt is in the window: the next must wait delays[0] = 1 min after 0 s.
    expect(await pace(T0 + 30 * s)).toEqual({
      type: 'pace',
      open: false,
      recorded: false,
      retryAfterMs: 30 * s,
      prior: [1],
      previous: T0,
    });
    expect(await pace(T0 + 60 * s)).toMatchObject({ open: true, prior: [1] });
    // Two in the window: wait 2 min after 60 s, i.e. until 180 s; 179 s is 1 s early.
    expect(await pace(T0 + 179 * s)).toMatchObject({ open: false, retryAfterMs: s, prior: [2] });
    expect(await pace(T0 + 180 * s)).toMatchObject({ open: true });
    // Then 5 min (480 s), then 10 min (1,080 s), and 10 min again (1,680 s).
    expect(await pace(T0 + 479 * s)).toMatchObject({ open: false, retryAfterMs: s });
    expect(await pace(T0 + 480 * s)).toMatchObject({ open: true, prior: [3] });
    expect(await pace(T0 + 1080 * s)).toMatchObject({ open: true, prior: [4] });
    expect(await pace(T0 + 1679 * s)).toMatchObject({ open: false, retryAfterMs: s, prior: [5] });
    expect(await pace(T0 + 1680 * s)).toMatchObject({ open: true, prior: [5] });
  });

  it('caps attempts per window and says when the oldest bucket leaves it', async () => {
    const capped: PaceOp = {
      type: 'pace',
      key: 'cap',
      record: 'if_open',
      limits: [{ window: daily, max: 3 }],
    };
    for (const hour of [0, 1, 2]) expect((await pace(T0 + hour * h, capped)).open).toBe(true);
    // The read at 3 h spans buckets -21..3; bucket 0 leaves it when the read starts at 1, i.e. at
    // bucket 25 (25 h): 25 h - 3 h = 22 h. Then 2 attempts remain, under the cap of 3.
    expect(await pace(T0 + 3 * h, capped)).toEqual({
      type: 'pace',
      open: false,
      recorded: false,
      retryAfterMs: 22 * h,
      prior: [3],
      previous: T0 + 2 * h,
    });
    expect((await pace(T0 + 25 * h - 1, capped)).open).toBe(false);
    expect(await pace(T0 + 25 * h, capped)).toMatchObject({ open: true, prior: [2] });
  });

  it('records refused attempts only when told to, and never when only looking', async () => {
    const limits = [{ window: daily, max: 1 }];
    const always: PaceOp = { type: 'pace', key: 'a', record: 'always', limits };
    const never: PaceOp = { type: 'pace', key: 'a', record: 'never', limits };
    expect(await pace(T0, never)).toMatchObject({ open: true, recorded: false, prior: [0] });
    expect(await pace(T0, always)).toMatchObject({ open: true, recorded: true, prior: [0] });
    expect(await pace(T0 + s, always)).toMatchObject({ open: false, recorded: true, prior: [1] });
    expect(await pace(T0 + 2 * s, never)).toMatchObject({ open: false, recorded: false, prior: [2] });
  });

  it('opens a pace op only when every limit is open, and keeps the latest time as previous', async () => {
    const both: PaceOp = {
      type: 'pace',
      key: 'both',
      record: 'if_open',
      limits: [
        { window: hourly, delaysMs: [m] },
        { window: daily, max: 2 },
      ],
    };
    expect((await pace(T0 + 10 * m, both)).open).toBe(true);
    // A late attempt 5 min before the first: the schedule's wait runs from the latest time (10 min).
    expect(await pace(T0 + 5 * m, both)).toMatchObject({
      open: false,
      retryAfterMs: 6 * m,
      previous: T0 + 10 * m,
    });
    expect(await pace(T0 + 11 * m, both)).toMatchObject({ open: true, prior: [1, 1] });
    // The daily cap of 2 is reached: only bucket 0 holds attempts, so the read clears at 25 h.
    expect(await pace(T0 + 20 * m, both)).toMatchObject({ open: false, retryAfterMs: 25 * h - 20 * m });
  });

  it('runs a batch over several keys and answers in op order', async () => {
    const results = await c.counters.run(T0, [
      count('a', 3),
      { type: 'distinct', key: 'b', member: 'x', window: minute },
      schedule,
      count('a', 1),
    ]);
    expect(results).toEqual([
      { type: 'count', count: 3, later: 0 },
      { type: 'distinct', count: 1, later: 0, seen: false },
      { type: 'pace', open: true, recorded: true, retryAfterMs: 0, prior: [0] },
      { type: 'count', count: 4, later: 0 },
    ]);
  });

  it('keeps exact counts and caps when batches from several nodes race', async () => {
    const nodes = c.nodes(4);
    const capped: PaceOp = {
      type: 'pace',
      key: 'hot',
      record: 'if_open',
      limits: [{ window: daily, max: 50 }],
    };
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (nodes[i % 4] as Counters).run(T0 + i, [capped, count('hot-count'), count(`own-${i % 7}`)]),
      ),
    );
    expect(results.filter(([pace]) => pace.open)).toHaveLength(50);
    expect((await c.counters.run(T0 + 500, [count('hot-count', 0)]))[0].count).toBe(200);
    // 200 batches over 7 keys: 200 = 7 * 28 + 4, so keys 0..3 get 29, 5 and 6 get 28.
    const own = await c.counters.run(
      T0 + 500,
      Array.from({ length: 7 }, (_, i) => count(`own-${i}`, 0)),
    );
    expect(own.map((r) => r.count)).toEqual([29, 29, 29, 29, 28, 28, 28]);
  });

  it.each([
    ['a negative time', -1, [count('k')]],
    ['a fractional time', T0 + 0.5, [count('k')]],
    ['a NaN time', Number.NaN, [count('k')]],
    ['a time past 2286', 1e13 + 1, [count('k')]],
    ['a key with a brace', T0, [count('a{b')]],
    ['a key with a bar', T0, [count('a|b')]],
    ['an empty key', T0, [count('')]],
    ['a key over 512 characters', T0, [count('k'.repeat(513))]],
    ['a key with a space', T0, [count('a b')]],
    ['an upper-case name', T0, [count('k', 1, 'Req')]],
    ['a negative add', T0, [count('k', -1)]],
    ['a zero window', T0, [{ type: 'count', key: 'k', window: { windowMs: 0 } }]],
    ['65 buckets', T0, [{ type: 'count', key: 'k', window: { windowMs: h, buckets: 65 } }]],
    ['an empty member', T0, [{ type: 'distinct', key: 'k', member: '', window: minute }]],
    ['an unknown op', T0, [{ type: 'sum', key: 'k' } as unknown as CounterOp]],
    ['a pace op with no limits', T0, [{ type: 'pace', key: 'k', record: 'if_open', limits: [] }]],
    [
      'a negative delay',
      T0,
      [{ type: 'pace', key: 'k', record: 'if_open', limits: [{ window: minute, delaysMs: [-1] }] }],
    ],
    ['a zero max', T0, [{ type: 'pace', key: 'k', record: 'if_open', limits: [{ window: minute, max: 0 }] }]],
    [
      'an unknown record mode',
      T0,
      [{ type: 'pace', key: 'k', record: 'maybe', limits: [{ window: minute }] }],
    ],
    ['65 ops', T0, Array.from({ length: 65 }, () => count('k'))],
    ['a null op', T0, [null as unknown as CounterOp]],
    ['a null pace limit', T0, [{ type: 'pace', key: 'k', record: 'if_open', limits: [null] }]],
    ['ops that are not a list', T0, { length: 1 } as unknown as CounterOp[]],
  ] as [string, number, CounterOp[]][])(
    'rejects %s as request.invalid and writes nothing',
    async (_case, time, ops) => {
      const error = await c.counters.run(time, ops).catch((e: unknown) => e);
      expect(isCustosError(error, 'request.invalid')).toBe(true);
      expect((await c.counters.run(T0, [count('k', 0)]))[0].count).toBe(0);
    },
  );

  it('accepts an empty batch', async () => {
    expect(await c.counters.run(T0, [])).toEqual([]);
  });
});

describe('memory counters cap', () => {
  const op = (key: string): CountOp => ({ type: 'count', key, window: minute, add: 1 });

  it('never stores more than maxKeys windows and registers', async () => {
    const counters = createMemoryCounters({ maxKeys: 100 });
    for (let i = 0; i < 1000; i++) {
      await counters.run(T0, [op(`k${i}`)]);
      expect(counters.size()).toBeLessThanOrEqual(100);
    }
    expect(counters.size()).toBe(100);
  });

  it('drops entries out of reach by event time before evicting live ones', async () => {
    const counters = createMemoryCounters({ maxKeys: 3 });
    await counters.run(T0, [op('idle-1'), op('idle-2')]);
    // The TTL of a 60 s window in 10 s buckets is 2 * 7 * 10 s = 140 s of event time.
    await counters.run(T0 + 140 * s, [op('live')]);
    await counters.run(T0 + 140 * s, [op('new')]);
    expect(counters.size()).toBe(2);
    expect((await counters.run(T0 + 140 * s, [{ ...op('live'), add: 0 }]))[0].count).toBe(1);
  });

  it('rejects a non-positive maxKeys as config.invalid', () => {
    expect(() => createMemoryCounters({ maxKeys: 0 })).toThrow(
      expect.objectContaining({ code: 'config.invalid' }),
    );
  });
});

describe('redis counters', () => {
  const op: CountOp = { type: 'count', key: 'k', window: minute, add: 1 };

  it('rejects with limits.unavailable, without Redis error text, when Redis is unreachable', async () => {
    const counters = createRedisCounters({ url: 'redis://127.0.0.1:1', keyPrefix: 'custos_test:' });
    try {
      const error = await counters.run(T0, [op]).catch((e: unknown) => e);
      expect(isCustosError(error, 'limits.unavailable')).toBe(true);
      expect((error as CustosError).details).toBeUndefined();
      expect((error as CustosError).message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    } finally {
      await counters.close();
    }
  });

  it('rejects a key prefix with braces', () => {
    expect(() => createRedisCounters({ url: 'redis://127.0.0.1:1', keyPrefix: 'c{x}:' })).toThrow(
      expect.objectContaining({ code: 'config.invalid' }),
    );
  });

  describe.skipIf(!redisUrl)('on a server', () => {
    let client: Redis;
    let keyPrefix: string;
    beforeEach(() => {
      client = new Redis(redisUrl as string);
      keyPrefix = `${uniqueName('custos_test')}:`;
    });
    afterEach(async () => {
      await deleteKeys(client, keyPrefix);
      await client.quit();
    });

    it('sends one script call per key of the batch, under hash-tagged keys', async () => {
      const counters = createRedisCounters({ client, keyPrefix });
      // Connected first, so that no command passes twice through the offline queue.
      await client.ping();
      const send = vi.spyOn(client, 'sendCommand');
      await counters.run(T0, [
        { type: 'count', key: 'n:+441632960000', name: 'req', window: daily, add: 1 },
        { type: 'count', key: 'n:+441632960000', name: 'ok', window: daily },
        { type: 'distinct', key: 'ip:192.0.2.1', member: 'acct-1', window: daily },
      ]);
      const scripts = send.mock.calls.filter(([command]) => /^eval/.test(command.name));
      expect(scripts).toHaveLength(2);
      send.mockRestore();
      const keys = (await client.keys(`${keyPrefix}*`)).sort();
      expect(keys).toEqual([
        `${keyPrefix}{ip:192.0.2.1}|m||86400000|${keys[0]?.slice(-32)}`,
        `${keyPrefix}{ip:192.0.2.1}|w||86400000|3600000`,
        `${keyPrefix}{n:+441632960000}|w|req|86400000|3600000`,
      ]);
      // TTL: twice the 25 buckets a read reaches, 2 * 25 * 1 h = 50 h.
      const ttl = await client.pttl(`${keyPrefix}{n:+441632960000}|w|req|86400000|3600000`);
      expect(ttl).toBeGreaterThan(49 * h);
      expect(ttl).toBeLessThanOrEqual(50 * h);
    });

    it('answers limits.unavailable while its client is disconnected, and recovers', async () => {
      const counters = createRedisCounters({ client, keyPrefix });
      client.disconnect();
      const error = await counters.run(T0, [op]).catch((e: unknown) => e);
      expect(isCustosError(error, 'limits.unavailable')).toBe(true);
      await client.connect();
      expect((await counters.run(T0, [op]))[0].count).toBe(1);
    });
  });
});

describe('failover counters', () => {
  const op: CountOp = { type: 'count', key: 'k', window: minute, add: 1 };

  it('answers from the fallback while the primary is unavailable', async () => {
    const primary = createRedisCounters({ url: 'redis://127.0.0.1:1', keyPrefix: 'custos_test:' });
    const fallback = createMemoryCounters();
    const onFallback = vi.fn();
    const counters = createFailoverCounters({ primary, fallback, onFallback });
    try {
      expect((await counters.run(T0, [op]))[0].count).toBe(1);
      expect((await counters.run(T0, [op]))[0].count).toBe(2);
      expect(onFallback).toHaveBeenCalledTimes(2);
    } finally {
      await counters.close();
    }
  });

  it('passes on errors other than limits.unavailable', async () => {
    const counters = createFailoverCounters({
      primary: createMemoryCounters(),
      fallback: createMemoryCounters(),
    });
    const error = await counters.run(-1, [op]).catch((e: unknown) => e);
    expect(isCustosError(error, 'request.invalid')).toBe(true);
  });
});
