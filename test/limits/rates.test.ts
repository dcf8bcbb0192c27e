import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCustosError } from '../../src/core/errors.js';
import {
  createFailoverRates,
  createMemoryRates,
  createRedisRates,
  type RateRequest,
  type Rates,
} from '../../src/limits/index.js';
import { redisUrl, uniqueName } from '../support/services.js';

interface Harness {
  rates: Rates;
  /** Another node sharing the same state (the same object in memory). */
  node(): Rates;
  dispose(): Promise<void>;
}

function memoryHarness(): Harness {
  const rates = createMemoryRates();
  return { rates, node: () => rates, dispose: () => rates.close() };
}

function redisHarness(url: string, singleKeyScripts: boolean): Harness {
  const keyPrefix = `${uniqueName('custos_test')}:`;
  const admin = new Redis(url);
  const all = [createRedisRates({ url, keyPrefix, singleKeyScripts })];
  return {
    rates: all[0] as Rates,
    node() {
      const rates = createRedisRates({ url, keyPrefix, singleKeyScripts });
      all.push(rates);
      return rates;
    },
    async dispose() {
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await Promise.all(all.map((rates) => rates.close()));
      await admin.quit();
    },
  };
}

const backends: [string, () => Harness][] = [['memory', memoryHarness]];
// One script a decision (one Redis), and one a key (as on a Cluster, with refunds).
if (redisUrl) {
  backends.push(['redis', () => redisHarness(redisUrl as string, false)]);
  backends.push(['redis, one script a key,', () => redisHarness(redisUrl as string, true)]);
}

const T0 = Date.UTC(2026, 0, 1);
const hour = 3_600_000;
// 100 units an hour: one every 36 s, bursts of 100.
const perHour = { limit: 100, periodMs: hour };

describe.each(backends)('%s rates', (_name, open) => {
  let h: Harness;
  beforeEach(() => {
    h = open();
  });
  afterEach(async () => {
    await h.dispose();
  });

  const on = (key: string, cost: number): RateRequest => ({ key, limit: perHour, cost });

  it('charges a batch its size: ten batches of 10 pass, the eleventh waits one interval per unit', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await h.rates.consumeAll([on('ip:a', 10)], T0)).allowed).toBe(true);
    }
    const refused = await h.rates.consumeAll([on('ip:a', 10)], T0);
    expect(refused).toEqual({ allowed: false, refused: [0], retryAfterMs: 360_000 });
    // A single unit needs one interval (36 s), and gets it then on the event clock.
    expect((await h.rates.consumeAll([on('ip:a', 1)], T0 + 35_999)).allowed).toBe(false);
    expect((await h.rates.consumeAll([on('ip:a', 1)], T0 + 36_000)).allowed).toBe(true);
  });

  it('is all or nothing: a batch refused by one key is charged on none', async () => {
    expect((await h.rates.consumeAll([on('asn:1', 95)], T0)).allowed).toBe(true);
    const result = await h.rates.consumeAll([on('acct:x', 10), on('asn:1', 10), on('dev:y', 10)], T0);
    expect(result.allowed).toBe(false);
    expect(result.refused).toEqual([1]);
    // Five units are left on the network's key; the account and device keys kept their full 100.
    expect((await h.rates.consumeAll([on('acct:x', 100), on('dev:y', 100)], T0)).allowed).toBe(true);
    expect((await h.rates.consumeAll([on('asn:1', 5)], T0)).allowed).toBe(true);
    expect((await h.rates.consumeAll([on('asn:1', 1)], T0)).allowed).toBe(false);
  });

  it('is shared by every node', async () => {
    const other = h.node();
    expect((await h.rates.consumeAll([on('sub:1', 60)], T0)).allowed).toBe(true);
    expect((await other.consumeAll([on('sub:1', 60)], T0)).refused).toEqual([0]);
    expect((await other.consumeAll([on('sub:1', 40)], T0)).allowed).toBe(true);
  });

  it('refuses keys named twice, costs above the limit and times that are not times', async () => {
    const bad = async (requests: RateRequest[], at = T0) => {
      try {
        await h.rates.consumeAll(requests, at);
        return 'accepted';
      } catch (error) {
        return isCustosError(error, 'request.invalid') ? 'invalid' : String(error);
      }
    };
    expect(await bad([on('k', 1), on('k', 1)])).toBe('invalid');
    expect(await bad([on('k', 101)])).toBe('invalid');
    expect(await bad([on('k', 1)], Number.NaN)).toBe('invalid');
    expect(await bad([])).toBe('accepted');
  });
});

describe.skipIf(!redisUrl)('redis rates on a server', () => {
  let admin: Redis;
  let keyPrefix: string;
  beforeEach(() => {
    admin = new Redis(redisUrl as string);
    keyPrefix = `${uniqueName('custos_test')}:`;
  });
  afterEach(async () => {
    const keys = await admin.keys(`${keyPrefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('keeps each key in its own hash tag and remembers a refusal without asking again', async () => {
    const rates = createRedisRates({ url: redisUrl as string, keyPrefix });
    const fresh = createRedisRates({ url: redisUrl as string, keyPrefix });
    try {
      const request = { key: 'ip:203.0.113.9', limit: { limit: 2, periodMs: hour }, cost: 2 };
      expect((await rates.consumeAll([request], T0)).allowed).toBe(true);
      expect(await admin.keys(`${keyPrefix}*`)).toEqual([`${keyPrefix}{ip:203.0.113.9}`]);
      expect((await rates.consumeAll([request], T0)).allowed).toBe(false);
      // The key is gone from Redis; this node still refuses from what it remembers, a node that
      // never saw the refusal asks Redis and is allowed.
      await admin.del(`${keyPrefix}{ip:203.0.113.9}`);
      expect((await rates.consumeAll([request], T0)).allowed).toBe(false);
      expect((await fresh.consumeAll([request], T0)).allowed).toBe(true);
    } finally {
      await rates.close();
      await fresh.close();
    }
  });

  it('leaves no key behind for a refused decision, in one script or one a key', async () => {
    for (const singleKeyScripts of [false, true]) {
      const rates = createRedisRates({ url: redisUrl as string, keyPrefix, singleKeyScripts });
      try {
        const full = { key: `asn:${singleKeyScripts}`, limit: { limit: 1, periodMs: hour }, cost: 1 };
        expect((await rates.consumeAll([full], T0)).allowed).toBe(true);
        const fresh = { key: `acct:${singleKeyScripts}`, limit: { limit: 5, periodMs: hour }, cost: 5 };
        expect((await rates.consumeAll([fresh, full], T0)).refused).toEqual([1]);
        expect(await admin.exists(`${keyPrefix}{acct:${singleKeyScripts}}`)).toBe(0);
      } finally {
        await rates.close();
      }
    }
  });

  it('says limits.unavailable when Redis does not answer, and the failover answers from memory', async () => {
    const down = createRedisRates({ url: 'redis://127.0.0.1:1', keyPrefix, connectTimeoutMs: 200 });
    let fellBack = 0;
    const failover = createFailoverRates({
      primary: down,
      fallback: createMemoryRates(),
      onFallback: () => fellBack++,
    });
    try {
      const request = { key: 'acct:z', limit: { limit: 1, periodMs: hour }, cost: 1 };
      await expect(down.consumeAll([request], T0)).rejects.toSatisfy((e) =>
        isCustosError(e, 'limits.unavailable'),
      );
      expect((await failover.consumeAll([request], T0)).allowed).toBe(true);
      expect((await failover.consumeAll([request], T0)).allowed).toBe(false);
      expect(fellBack).toBe(2);
    } finally {
      await failover.close();
    }
  });
});

describe('memory rates within their key cap', () => {
  const limit = { limit: 1, periodMs: hour };
  const take = (rates: Rates, key: string) => rates.consumeAll([{ key, limit, cost: 1 }], T0);

  it('never hold more than maxKeys, and keep a key touched since the last half-cap of new keys', async () => {
    const rates = createMemoryRates({ maxKeys: 100 });
    expect((await take(rates, 'kept')).allowed).toBe(true);
    for (let i = 0; i < 1_000; i++) {
      await take(rates, `k${i}`);
      expect(rates.size()).toBeLessThanOrEqual(100);
      // Touched every 40 new keys, less than half the cap: never dropped, so still refused.
      if (i % 40 === 0) expect((await take(rates, 'kept')).allowed).toBe(false);
    }
    expect(rates.size()).toBeGreaterThanOrEqual(50);
    // Untouched since: dropped, and back to a full burst (lenient, never stricter).
    expect((await take(rates, 'k0')).allowed).toBe(true);
  });

  it('drop nothing of a refused decision and write nothing for it', async () => {
    const rates = createMemoryRates({ maxKeys: 10 });
    expect((await take(rates, 'a')).allowed).toBe(true);
    const both = [
      { key: 'b', limit, cost: 1 },
      { key: 'a', limit, cost: 1 },
    ];
    expect(await rates.consumeAll(both, T0)).toEqual({
      allowed: false,
      refused: [1],
      retryAfterMs: 3_600_000,
    });
    // b was not charged by the refused decision.
    expect((await take(rates, 'b')).allowed).toBe(true);
  });
});
