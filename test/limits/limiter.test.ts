import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { type CustosError, isCustosError } from '../../src/core/errors.js';
import {
  createMemoryLimiter,
  createRedisLimiter,
  type Limiter,
  type RateLimit,
} from '../../src/limits/index.js';
import { redisUrl, uniqueName } from '../support/services.js';

/** A fresh limiter on one backend, plus more limiters sharing its state the way cluster nodes do. */
interface Harness {
  clock: ManualClock;
  limiter: Limiter;
  nodes(count: number): Promise<Limiter[]>;
  dispose(): Promise<void>;
}

function memoryHarness(): Harness {
  const clock = createManualClock();
  const limiter = createMemoryLimiter({ clock });
  // One process is one node: every "node" is the same limiter.
  return {
    clock,
    limiter,
    nodes: async (count) => Array.from({ length: count }, () => limiter),
    dispose: () => limiter.close(),
  };
}

async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
}

function redisHarness(url: string): Harness {
  const clock = createManualClock();
  const keyPrefix = `${uniqueName('custos_test')}:`;
  const clients = [new Redis(url)];
  const limiters = [createRedisLimiter({ client: clients[0] as Redis, keyPrefix, clock })];
  return {
    clock,
    limiter: limiters[0] as Limiter,
    async nodes(count) {
      // Each node gets its own connection and its own limiter, as separate processes would.
      for (let i = 0; i < count; i++) limiters.push(createRedisLimiter({ url, keyPrefix, clock }));
      return limiters.slice(-count);
    },
    async dispose() {
      await deleteKeys(clients[0] as Redis, keyPrefix);
      await Promise.all(limiters.map((limiter) => limiter.close()));
      await Promise.all(clients.map((client) => client.quit()));
    },
  };
}

const backends: [string, () => Harness][] = [['memory', memoryHarness]];
if (redisUrl) backends.push(['redis', () => redisHarness(redisUrl as string)]);

// Long periods keep Redis TTLs (which follow the wall clock) far beyond a test's duration.
const fivePerMinute: RateLimit = { limit: 5, periodMs: 60_000 };
const interval = 12_000;

describe.each(backends)('%s limiter', (_name, open) => {
  let h: Harness;
  beforeEach(() => {
    h = open();
  });
  afterEach(() => h.dispose());

  it('allows a burst of exactly `limit`, then denies with the time until one unit refills', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await h.limiter.consume('user:1', fivePerMinute)).allowed).toBe(true);
    }
    const denied = await h.limiter.consume('user:1', fivePerMinute);
    expect(denied).toEqual({ allowed: false, remaining: 0, retryAfterMs: interval, resetAfterMs: 60_000 });
  });

  it('allows one more unit once the clock advances by the emission interval', async () => {
    for (let i = 0; i < 5; i++) await h.limiter.consume('user:1', fivePerMinute);
    h.clock.advance(interval - 1);
    expect((await h.limiter.consume('user:1', fivePerMinute)).allowed).toBe(false);
    h.clock.advance(1);
    expect(await h.limiter.consume('user:1', fivePerMinute)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await h.limiter.consume('user:1', fivePerMinute)).allowed).toBe(false);
  });

  it('returns to a full burst after a whole period of idleness', async () => {
    for (let i = 0; i < 5; i++) await h.limiter.consume('user:1', fivePerMinute);
    h.clock.advance(60_000);
    expect(await h.limiter.consume('user:1', fivePerMinute)).toMatchObject({ allowed: true, remaining: 4 });
  });

  it('admits exactly `limit` when the period is not a whole multiple of the limit', async () => {
    const threePerTenSeconds = { limit: 3, periodMs: 10_000 };
    for (let i = 0; i < 3; i++) {
      expect((await h.limiter.consume('user:1', threePerTenSeconds)).allowed).toBe(true);
    }
    const denied = await h.limiter.consume('user:1', threePerTenSeconds);
    expect(denied).toMatchObject({ allowed: false, retryAfterMs: 3334 });
    h.clock.advance(3334);
    expect((await h.limiter.consume('user:1', threePerTenSeconds)).allowed).toBe(true);
  });

  it('counts remaining down and reports the time until the key is full again', async () => {
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await h.limiter.consume('user:1', fivePerMinute));
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0]);
    expect(results.map((r) => r.resetAfterMs)).toEqual([12_000, 24_000, 36_000, 48_000, 60_000]);
    expect(results.every((r) => r.retryAfterMs === 0)).toBe(true);
  });

  it('consumes `cost` units at once and denies a cost larger than what remains without consuming', async () => {
    expect(await h.limiter.consume('user:1', fivePerMinute, 3)).toMatchObject({
      allowed: true,
      remaining: 2,
    });
    const denied = await h.limiter.consume('user:1', fivePerMinute, 3);
    expect(denied).toMatchObject({ allowed: false, remaining: 2, retryAfterMs: interval });
    expect(await h.limiter.consume('user:1', fivePerMinute, 2)).toMatchObject({
      allowed: true,
      remaining: 0,
    });
  });

  it('peeks with cost 0 without consuming', async () => {
    const fresh = await h.limiter.consume('user:1', fivePerMinute, 0);
    expect(fresh).toEqual({ allowed: true, remaining: 5, retryAfterMs: 0, resetAfterMs: 0 });
    await h.limiter.consume('user:1', fivePerMinute, 4);
    for (let i = 0; i < 3; i++) {
      expect(await h.limiter.consume('user:1', fivePerMinute, 0)).toMatchObject({
        allowed: true,
        remaining: 1,
      });
    }
    await h.limiter.consume('user:1', fivePerMinute);
    const exhausted = await h.limiter.consume('user:1', fivePerMinute, 0);
    expect(exhausted).toEqual({ allowed: false, remaining: 0, retryAfterMs: interval, resetAfterMs: 60_000 });
  });

  it('forgets a key on reset, restoring the full burst', async () => {
    for (let i = 0; i < 5; i++) await h.limiter.consume('user:1', fivePerMinute);
    await h.limiter.reset('user:1');
    expect(await h.limiter.consume('user:1', fivePerMinute)).toMatchObject({ allowed: true, remaining: 4 });
  });

  it('resets an unknown key without error', async () => {
    await expect(h.limiter.reset('never-seen')).resolves.toBeUndefined();
  });

  it('keeps keys independent', async () => {
    for (let i = 0; i < 5; i++) await h.limiter.consume('user:1', fivePerMinute);
    expect(await h.limiter.consume('user:2', fivePerMinute)).toMatchObject({ allowed: true, remaining: 4 });
    await h.limiter.reset('user:2');
    expect((await h.limiter.consume('user:1', fivePerMinute)).allowed).toBe(false);
  });

  it('treats keys with braces and unicode as distinct keys', async () => {
    const keys = ['a}b', '{a}b', 'a', 'ключ', 'a b'];
    for (const key of keys) await h.limiter.consume(key, fivePerMinute, 5);
    for (const key of keys) expect((await h.limiter.consume(key, fivePerMinute)).allowed).toBe(false);
    expect((await h.limiter.consume('b', fivePerMinute)).allowed).toBe(true);
  });

  it('allows exactly `limit` of 200 concurrent consumes spread over several nodes', async () => {
    const limit = { limit: 50, periodMs: 60_000 };
    const nodes = await h.nodes(4);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (nodes[i % nodes.length] as Limiter).consume('hot', limit)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
    expect((await h.limiter.consume('hot', limit, 0)).remaining).toBe(0);
  });

  it.each([
    ['an empty key', '', fivePerMinute, 1],
    ['a key over 512 characters', 'k'.repeat(513), fivePerMinute, 1],
    ['a non-string key', 42 as unknown as string, fivePerMinute, 1],
    ['a zero limit', 'k', { limit: 0, periodMs: 1000 }, 0],
    ['a fractional limit', 'k', { limit: 1.5, periodMs: 1000 }, 1],
    ['an infinite limit', 'k', { limit: Number.POSITIVE_INFINITY, periodMs: 1000 }, 1],
    ['a zero period', 'k', { limit: 1, periodMs: 0 }, 1],
    ['a NaN period', 'k', { limit: 1, periodMs: Number.NaN }, 1],
    ['a period as a string', 'k', { limit: 1, periodMs: '1000' as unknown as number }, 1],
    ['a period of centuries', 'k', { limit: 1, periodMs: 1e15 }, 1],
    ['more than one unit per microsecond', 'k', { limit: 10_000, periodMs: 1 }, 1],
    ['a missing limit', 'k', undefined as unknown as RateLimit, 1],
    ['a negative cost', 'k', fivePerMinute, -1],
    ['a fractional cost', 'k', fivePerMinute, 0.5],
    ['a NaN cost', 'k', fivePerMinute, Number.NaN],
    ['a cost above the limit', 'k', fivePerMinute, 6],
  ])('rejects %s as request.invalid', async (_case, key, limit, cost) => {
    const error = await h.limiter.consume(key, limit, cost).catch((e: unknown) => e);
    expect(isCustosError(error, 'request.invalid')).toBe(true);
  });

  it('accepts a key of exactly 512 characters', async () => {
    expect((await h.limiter.consume('k'.repeat(512), fivePerMinute)).allowed).toBe(true);
  });

  it('rejects an invalid key on reset', async () => {
    const error = await h.limiter.reset('k'.repeat(513)).catch((e: unknown) => e);
    expect(isCustosError(error, 'request.invalid')).toBe(true);
  });
});

describe('memory limiter cap', () => {
  it('never tracks more than maxKeys keys', async () => {
    const clock = createManualClock();
    const limiter = createMemoryLimiter({ clock, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) {
      await limiter.consume(`user:${i}`, fivePerMinute);
      expect(limiter.size()).toBeLessThanOrEqual(100);
    }
    expect(limiter.size()).toBe(100);
  });

  it('drops keys whose TAT has passed before evicting live ones', async () => {
    const clock = createManualClock();
    const limiter = createMemoryLimiter({ clock, maxKeys: 3 });
    await limiter.consume('idle:1', fivePerMinute);
    await limiter.consume('idle:2', fivePerMinute);
    clock.advance(interval);
    await limiter.consume('live', fivePerMinute, 5);
    await limiter.consume('new', fivePerMinute);
    expect(limiter.size()).toBe(2);
    expect((await limiter.consume('live', fivePerMinute)).allowed).toBe(false);
  });

  it('evicts the least recently written live key when all are live, which only makes it lenient', async () => {
    const clock = createManualClock();
    const limiter = createMemoryLimiter({ clock, maxKeys: 2 });
    await limiter.consume('a', fivePerMinute, 5);
    await limiter.consume('b', fivePerMinute, 5);
    await limiter.consume('c', fivePerMinute, 5);
    expect(limiter.size()).toBe(2);
    expect((await limiter.consume('b', fivePerMinute)).allowed).toBe(false);
    expect((await limiter.consume('a', fivePerMinute)).remaining).toBe(4);
  });

  it('does not store a key that was only peeked at', async () => {
    const limiter = createMemoryLimiter({ clock: createManualClock() });
    await limiter.consume('peek', fivePerMinute, 0);
    expect(limiter.size()).toBe(0);
  });

  it('rejects a non-positive maxKeys as config.invalid', () => {
    expect(() => createMemoryLimiter({ clock: createManualClock(), maxKeys: 0 })).toThrow(
      expect.objectContaining({ code: 'config.invalid' }),
    );
  });
});

describe('redis limiter', () => {
  it('rejects with store.unavailable instead of hanging when Redis is unreachable', async () => {
    // Port 1 refuses connections on any test machine.
    const limiter = createRedisLimiter({
      url: 'redis://127.0.0.1:1',
      keyPrefix: 'custos_test:',
      clock: createManualClock(),
    });
    try {
      const error = await limiter.consume('user:1', fivePerMinute).catch((e: unknown) => e);
      expect(isCustosError(error, 'store.unavailable')).toBe(true);
      // What a client would be sent: our sentence and no details, none of ioredis's own words.
      const { message, details } = error as CustosError;
      expect({ message, details }).toEqual({
        message: 'the Redis limiter does not answer',
        details: undefined,
      });
    } finally {
      await limiter.close();
    }
  });

  it('rejects a key prefix with braces, which would pin every key to one Cluster slot', () => {
    expect(() =>
      createRedisLimiter({ url: 'redis://127.0.0.1:1', keyPrefix: 'rl{x}:', clock: createManualClock() }),
    ).toThrow(expect.objectContaining({ code: 'config.invalid' }));
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

    it('stores the TAT under a hash-tagged key that expires when the TAT passes', async () => {
      const limiter = createRedisLimiter({ client, keyPrefix, clock: createManualClock() });
      await limiter.consume('user:1', fivePerMinute, 2);
      const ttl = await client.pttl(`${keyPrefix}{user:1}`);
      expect(ttl).toBeGreaterThan(interval);
      expect(ttl).toBeLessThanOrEqual(2 * interval);
    });

    it('leaves an injected client open on close', async () => {
      const limiter = createRedisLimiter({ client, keyPrefix, clock: createManualClock() });
      await limiter.close();
      expect(await client.ping()).toBe('PONG');
    });
  });
});
