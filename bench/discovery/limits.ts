// The shared limits of contact discovery, decisions per second: Custos's rates (GCRA, all or
// nothing over a check's account, device, address, subnet, network and destination prefixes) on
// the memory backend and on Redis, beside rate-limiter-flexible enforcing the same limits in the
// same run: one limiter per dimension with the same points and period, every key consumed at
// once, and, when any refused, the others given back (reward) so that a refused check is charged
// on none, as ours is. rate-limiter-flexible counts fixed windows on the wall clock; ours runs on
// the event's time, so the allowed shares are printed beside the rates and differ a little.
//
// DECISIONS resizes the memory run, REDIS_DECISIONS the Redis one, ACCOUNTS the population,
// CALLERS the concurrent callers against Redis; REDIS_URL (default redis://127.0.0.1:6379) names
// the Redis, whose keys go under a fresh prefix and are deleted afterwards.
import { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { createMemoryRates, type RateRequest, type Rates } from '../../src/limits/rates.js';
import { createRedisRates } from '../../src/limits/rates.redis.js';
import { fmt } from '../support.js';
import { type LimitDecision, limitDecisions } from './traffic.js';

const memoryDecisions = Number(process.env.DECISIONS ?? 1_000_000);
const redisDecisions = Number(process.env.REDIS_DECISIONS ?? 100_000);
const accounts = Number(process.env.ACCOUNTS ?? 100_000);
const callers = Number(process.env.CALLERS ?? 64);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** rate-limiter-flexible as a Rates: one limiter per (points, period), created on first use. */
function flexibleRates(
  make: (points: number, seconds: number, prefix: string) => RateLimiterAbstract,
): Rates {
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiterOf = (request: RateRequest) => {
    const name = `${request.limit.limit}/${request.limit.periodMs}`;
    let limiter = limiters.get(name);
    if (!limiter) {
      limiter = make(request.limit.limit, Math.ceil(request.limit.periodMs / 1000), `rlf${limiters.size}`);
      limiters.set(name, limiter);
    }
    return limiter;
  };
  return {
    async consumeAll(requests) {
      const outcomes = await Promise.allSettled(requests.map((r) => limiterOf(r).consume(r.key, r.cost)));
      const refused: number[] = [];
      let retryAfterMs = 0;
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') return;
        if (outcome.reason instanceof Error) throw outcome.reason;
        refused.push(i);
        retryAfterMs = Math.max(retryAfterMs, (outcome.reason as { msBeforeNext: number }).msBeforeNext);
      });
      if (refused.length === 0) return { allowed: true, refused, retryAfterMs: 0 };
      // rate-limiter-flexible counts a refused consume too: give every key its points back.
      await Promise.all(requests.map((r) => limiterOf(r).reward(r.key, r.cost)));
      return { allowed: false, refused, retryAfterMs };
    },
    async close() {},
  };
}

/** Runs the decisions through `rates` from `concurrency` callers; decisions/s and the allowed share. */
async function drive(
  rates: Rates,
  decisions: readonly LimitDecision[],
  concurrency: number,
): Promise<{ perSecond: number; allowed: number }> {
  let next = 0;
  let allowed = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < decisions.length) {
        const decision = decisions[next++] as LimitDecision;
        if ((await rates.consumeAll(decision.requests, decision.at)).allowed) allowed++;
      }
    }),
  );
  const seconds = (performance.now() - begin) / 1000;
  return { perSecond: decisions.length / seconds, allowed: allowed / decisions.length };
}

const pct = (share: number) => `${fmt(share * 100, 1)} %`;
const keysPer = (decisions: readonly LimitDecision[]) =>
  decisions.reduce((sum, d) => sum + d.requests.length, 0) / decisions.length;

// In process: one caller, as the replay and a node without Redis run them. Each contender gets
// its own copy of the decisions (the same seed, so the same content): V8 flattens a key string the
// first time it is hashed, and a copy already flattened by another contender would be cheaper.
{
  const fresh = () => limitDecisions(memoryDecisions, accounts);
  let decisions = fresh();
  console.log(
    `memory: ${fmt(decisions.length)} decisions, ${fmt(keysPer(decisions), 1)} keys each, ${fmt(accounts)} accounts`,
  );
  // A short warm-up of each so that neither is measured while V8 compiles it.
  const flexible = () =>
    flexibleRates((points, duration, keyPrefix) => new RateLimiterMemory({ points, duration, keyPrefix }));
  const warm = limitDecisions(20_000, accounts);
  await drive(createMemoryRates({ maxKeys: 5_000_000 }), warm, 1);
  await drive(flexible(), limitDecisions(20_000, accounts), 1);

  const ours = await drive(createMemoryRates({ maxKeys: 5_000_000 }), decisions, 1);
  decisions = fresh();
  const peer = await drive(flexible(), decisions, 1);
  // The floor under any limiter that keeps its state in a JavaScript Map: find each key of each
  // decision and update or add its entry, nothing else.
  decisions = fresh();
  const map = new Map<string, { tat: number }>();
  const begin = performance.now();
  for (const decision of decisions) {
    for (const request of decision.requests) {
      const entry = map.get(request.key);
      if (entry !== undefined) entry.tat += request.cost;
      else map.set(request.key, { tat: decision.at });
    }
  }
  const floor = decisions.length / ((performance.now() - begin) / 1000);
  console.log(
    `  custos memory rates          ${fmt(ours.perSecond)} decisions/s, allowed ${pct(ours.allowed)}`,
  );
  console.log(
    `  rate-limiter-flexible memory ${fmt(peer.perSecond)} decisions/s, allowed ${pct(peer.allowed)}`,
  );
  console.log(`  a bare Map, get and update   ${fmt(floor)} decisions/s (${fmt(map.size)} keys)`);
  console.log(
    `  ratio ${fmt(ours.perSecond / peer.perSecond, 2)}× (target 3×); custos at ${fmt((100 * ours.perSecond) / floor)} % of the Map floor, which is ${fmt(floor / peer.perSecond, 2)}× rate-limiter-flexible`,
  );
}

// On Redis: CALLERS concurrent callers, both on the same server.
{
  const probe = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  const reachable = await probe.connect().then(
    () => true,
    () => false,
  );
  if (!reachable) {
    console.log(`redis: ${redisUrl} does not answer; skipped (set REDIS_URL)`);
    probe.disconnect();
  } else {
    const decisions = limitDecisions(redisDecisions, accounts);
    const prefix = `custos-bench-${process.pid}-`;
    console.log(
      `redis: ${fmt(decisions.length)} decisions, ${fmt(keysPer(decisions), 1)} keys each, ${callers} callers, ${redisUrl.replace(/\/\/[^@]*@/, '//')}`,
    );
    // Round trip of the server itself, the physical floor under either library.
    const pings = 2_000;
    let begin = performance.now();
    for (let i = 0; i < pings; i++) await probe.ping();
    const pingUs = ((performance.now() - begin) * 1000) / pings;

    const ours = createRedisRates({ url: redisUrl, keyPrefix: `${prefix}c:` });
    const peerClient = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const peer = flexibleRates(
      (points, duration, keyPrefix) =>
        new RateLimiterRedis({
          storeClient: peerClient,
          points,
          duration,
          keyPrefix: `${prefix}${keyPrefix}`,
        }),
    );
    const warm = decisions.slice(0, 5_000);
    await drive(ours, warm, callers);
    await drive(peer, warm, callers);
    const oursRun = await drive(ours, decisions, callers);
    const peerRun = await drive(peer, decisions, callers);
    console.log(`  one PING round trip          ${fmt(pingUs, 1)} µs`);
    console.log(
      `  custos redis rates           ${fmt(oursRun.perSecond)} decisions/s, allowed ${pct(oursRun.allowed)}`,
    );
    console.log(
      `  rate-limiter-flexible redis  ${fmt(peerRun.perSecond)} decisions/s, allowed ${pct(peerRun.allowed)}`,
    );
    console.log(`  ratio ${fmt(oursRun.perSecond / peerRun.perSecond, 2)}× (target 1.5×)`);

    // Leave the server as found.
    begin = performance.now();
    let cursor = '0';
    do {
      const [nextCursor, keys] = await probe.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
      cursor = nextCursor;
      if (keys.length > 0) await probe.unlink(...keys);
    } while (cursor !== '0');
    await ours.close();
    await peerClient.quit();
    await probe.quit();
  }
}
