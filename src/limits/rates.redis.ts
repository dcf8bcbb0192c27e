import { type GcraRequest, gcraStep } from './limiter.js';
import { combineRates, planRates, type RateRequest, type Rates, type RatesResult } from './rates.js';
import { connectRedis, type RedisConnectionOptions } from './redis.client.js';
import { refundScript } from './redis.js';

export interface RedisRatesOptions extends RedisConnectionOptions {
  /** Keys refused recently, remembered on this node to refuse again without a round trip; 10,000 by default. */
  denyCache?: number;
  /**
   * One script per key, as Redis Cluster and proxies that route each command by its key require.
   * On by default for a Cluster client; off, a decision is one script over all its keys.
   */
  singleKeyScripts?: boolean;
}

/**
 * GCRA over several keys at once, all or nothing, atomic in Redis. ARGV[1] is now (µs); then three
 * arguments per key: increment, tolerance, and whether to consume (1) or only peek (0). Each
 * key's TAT is read; only when every key allows are the consuming ones written. Returns whether it
 * consumed (1 or 0) and each key's stored TAT, from which rates.ts works out the same answer.
 */
export const gcraAllScript = `
local now = tonumber(ARGV[1])
local reply = {1}
local candidates = {}
for i = 1, #KEYS do
  local stored = tonumber(redis.call('GET', KEYS[i]) or '0') or 0
  reply[i + 1] = string.format('%.0f', stored)
  local candidate = math.max(stored, now) + tonumber(ARGV[3 * i - 1])
  candidates[i] = candidate
  if candidate - now > tonumber(ARGV[3 * i]) then reply[1] = 0 end
end
if reply[1] == 1 then
  for i = 1, #KEYS do
    if ARGV[3 * i + 1] == '1' then
      local ttl = math.ceil((candidates[i] - now) / 1000)
      redis.call('SET', KEYS[i], string.format('%.0f', candidates[i]), 'PX', string.format('%.0f', ttl))
    end
  end
end
return reply
`;

interface RatesCommands {
  custosRatesGcraAll(numberOfKeys: number, ...keysAndArgs: string[]): Promise<[number, ...string[]]>;
  custosRatesRefund(key: string, nowUs: string, decrementUs: string): Promise<number>;
}

/**
 * Rates shared by every node through Redis or Valkey. Each key is `${keyPrefix}{${key}}`, its own
 * hash tag. On one Redis a decision is one script over all its keys: one round trip, atomic, and
 * a refused decision writes nothing. Where each command must stay in one hash slot (Redis Cluster,
 * `singleKeyScripts`), a decision sends one script per key in the same tick (one round trip of
 * latency); each consumes only when its own key allows, and when any key refused, the keys that
 * consumed are given back with a second call. Between the two, another node may see those units
 * taken: stricter for a moment, never more lenient.
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
  client.defineCommand('custosRatesGcraAll', { lua: gcraAllScript });
  client.defineCommand('custosRatesRefund', { numberOfKeys: 1, lua: refundScript });
  const commands = client as typeof client & RatesCommands;
  const singleKey = options.singleKeyScripts ?? ('isCluster' in client && client.isCluster === true);
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

  /** One script over `indexes` of the decision: whether it consumed, and each key's stored TAT. */
  function script(
    requests: readonly RateRequest[],
    planned: readonly GcraRequest[],
    indexes: readonly number[],
    now: string,
  ): Promise<[number, ...string[]]> {
    const keys: string[] = [];
    const args: string[] = [now];
    for (const i of indexes) {
      const request = planned[i] as GcraRequest;
      keys.push(redisKey((requests[i] as RateRequest).key));
      args.push(String(request.incrementUs), String(request.toleranceUs), request.consumes ? '1' : '0');
    }
    return commands.custosRatesGcraAll(keys.length, ...keys, ...args);
  }

  return {
    async consumeAll(requests, at): Promise<RatesResult> {
      const { planned, nowUs } = planRates(requests, at);
      if (planned.length === 0) return { allowed: true, refused: [], retryAfterMs: 0 };
      // Refused from memory when a remembered TAT alone refuses one of the requests.
      const cached = requests.map((r) => refusedTats.get(r.key) ?? 0);
      const local = combineRates(planned, cached, nowUs).result;
      if (!local.allowed) return local;
      for (const [i, request] of requests.entries()) {
        // A remembered TAT that no longer refuses anything is of no more use.
        const tat = cached[i] as number;
        if (tat !== 0 && gcraStep(planned[i] as GcraRequest, tat, nowUs).result.allowed)
          refusedTats.delete(request.key);
      }
      const now = String(nowUs);
      const groups = singleKey ? planned.map((_, i) => [i]) : [planned.map((_, i) => i)];
      const replies = await call(() =>
        Promise.all(groups.map((group) => script(requests, planned, group, now))),
      );
      const stored: number[] = new Array(planned.length);
      groups.forEach((group, g) => {
        const reply = replies[g] as [number, ...string[]];
        group.forEach((i, k) => {
          stored[i] = Number(reply[k + 1]);
        });
      });
      const { result } = combineRates(planned, stored, nowUs);
      const consumed = groups.filter((_, g) => (replies[g] as [number])[0] === 1);
      // Both sides run the same integer arithmetic; disagreement means a foreign value in a key.
      if (result.allowed !== (consumed.length === groups.length)) {
        throw new Error('the Redis rates script and gcraStep disagree on a decision');
      }
      if (result.allowed) return result;
      for (const i of result.refused) rememberRefusal((requests[i] as RateRequest).key, stored[i] as number);
      // Give back what the allowing keys took: the batch is charged on none of them.
      const taken = consumed.flat().filter((i) => (planned[i] as GcraRequest).consumes);
      if (taken.length > 0) {
        await call(() =>
          Promise.all(
            taken.map((i) =>
              commands.custosRatesRefund(
                redisKey((requests[i] as RateRequest).key),
                now,
                String((planned[i] as GcraRequest).incrementUs),
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
