import { gcraStep } from './limiter.js';
import { combineRates, planRates, type Rates, type RatesResult } from './rates.js';
import { connectRedis, type RedisConnectionOptions } from './redis.client.js';
import { gcraScript, refundScript } from './redis.js';

export interface RedisRatesOptions extends RedisConnectionOptions {
  /** Keys refused recently, remembered on this node to refuse again without a round trip; 10,000 by default. */
  denyCache?: number;
}

interface RatesCommands {
  custosRatesGcra(
    key: string,
    nowUs: string,
    incrementUs: string,
    toleranceUs: string,
    consume: string,
  ): Promise<[number, string]>;
  custosRatesRefund(key: string, nowUs: string, decrementUs: string): Promise<number>;
}

/**
 * Rates shared by every node through Redis or Valkey. Each key is `${keyPrefix}{${key}}`, its own
 * hash tag, so it is Cluster-safe; a decision sends one GCRA script per key in the same tick (one
 * round trip of latency, as the counters do). Each script consumes only when its own key allows;
 * when any key refused, the keys that consumed are given back with a second call. Between the two,
 * another node may see those units taken: stricter for a moment, never more lenient.
 *
 * A key refused here is remembered with the TAT Redis held for it. TATs only grow (a refund takes
 * back no more than was just added), so while that TAT alone refuses the request, the node refuses
 * without asking Redis: a scraper hammering a closed limit costs Redis nothing.
 */
export function createRedisRates(options: RedisRatesOptions): Rates {
  const connection = connectRedis(options, 'rates', {
    down: 'Redis rates unavailable: decisions that need them get limits.unavailable until it answers',
    up: 'Redis rates answer again',
  });
  const { client, call } = connection;
  client.defineCommand('custosRatesGcra', { numberOfKeys: 1, lua: gcraScript });
  client.defineCommand('custosRatesRefund', { numberOfKeys: 1, lua: refundScript });
  const commands = client as typeof client & RatesCommands;
  const redisKey = (key: string) => `${options.keyPrefix}{${key}}`;
  const denyCacheSize = options.denyCache ?? 10_000;
  // Key → the TAT (µs) Redis held when it last refused it; Map order is the eviction order.
  const refusedTats = new Map<string, number>();

  function rememberRefusal(key: string, tat: number): void {
    if (denyCacheSize === 0) return;
    refusedTats.delete(key);
    refusedTats.set(key, tat);
    if (refusedTats.size > denyCacheSize) refusedTats.delete(refusedTats.keys().next().value as string);
  }

  return {
    async consumeAll(requests, at): Promise<RatesResult> {
      const { planned, nowUs } = planRates(requests, at);
      // Refused from memory when a remembered TAT alone refuses one of the requests.
      const cached = requests.map((r) => refusedTats.get(r.key) ?? 0);
      const local = combineRates(planned, cached, nowUs).result;
      if (!local.allowed) return local;
      for (const [i, request] of requests.entries()) {
        // A remembered TAT that no longer refuses anything is of no more use.
        const tat = cached[i] as number;
        if (tat !== 0 && gcraStep(planned[i] as (typeof planned)[number], tat, nowUs).result.allowed)
          refusedTats.delete(request.key);
      }
      const now = String(nowUs);
      const replies = await call(() =>
        Promise.all(
          planned.map((request, i) =>
            commands.custosRatesGcra(
              redisKey((requests[i] as (typeof requests)[number]).key),
              now,
              String(request.incrementUs),
              String(request.toleranceUs),
              request.consumes ? '1' : '0',
            ),
          ),
        ),
      );
      const stored = replies.map(([, tat]) => Number(tat));
      const { result } = combineRates(planned, stored, nowUs);
      if (result.allowed) return result;
      for (const i of result.refused)
        rememberRefusal((requests[i] as (typeof requests)[number]).key, stored[i] as number);
      // Give back what the allowing keys took: the batch is charged on none of them.
      const taken = planned.flatMap((request, i) => (replies[i]?.[0] === 1 && request.consumes ? [i] : []));
      if (taken.length > 0) {
        await call(() =>
          Promise.all(
            taken.map((i) =>
              commands.custosRatesRefund(
                redisKey((requests[i] as (typeof requests)[number]).key),
                now,
                String((planned[i] as (typeof planned)[number]).incrementUs),
              ),
            ),
          ),
        );
      }
      return result;
    },
    close: () => connection.close(),
  };
}
