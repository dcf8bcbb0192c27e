import type { Clock } from '../core/clock.js';
import { gcraRequest, gcraStep, type Limiter, nowMicros, validateKey } from './limiter.js';
import { connectRedis, type RedisConnectionOptions } from './redis.client.js';

export interface RedisLimiterOptions extends RedisConnectionOptions {
  /** Prepended to every key, e.g. `custos:rl:`; must not contain braces (they pick the hash slot). */
  keyPrefix: string;
  clock: Clock;
}

/**
 * One GCRA step, atomic in Redis. KEYS[1] holds the TAT in integer microseconds; ARGV are now,
 * increment and tolerance in microseconds and whether to consume (1) or only peek (0). The
 * arithmetic mirrors gcraStep in limiter.ts, which turns the stored TAT into the full result.
 * The time comes from the caller's clock, not Redis TIME, so every node and test agrees on it.
 */
export const gcraScript = `
local stored = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local now = tonumber(ARGV[1])
local candidate = math.max(stored, now) + tonumber(ARGV[2])
local allowed = candidate - now <= tonumber(ARGV[3])
if allowed and ARGV[4] == '1' then
  local ttl = math.ceil((candidate - now) / 1000)
  redis.call('SET', KEYS[1], string.format('%.0f', candidate), 'PX', string.format('%.0f', ttl))
end
return {allowed and 1 or 0, string.format('%.0f', stored)}
`;

/**
 * Takes ARGV[2] microseconds back from the TAT in KEYS[1], in one step so that a consume running
 * at the same time on another node is never lost. ARGV[1] is now; a TAT that falls to now or
 * below means a full burst, so the key is deleted rather than stored in the past.
 */
export const refundScript = `
local stored = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if stored == 0 then return 0 end
local now = tonumber(ARGV[1])
local tat = stored - tonumber(ARGV[2])
if tat <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', string.format('%.0f', math.ceil((tat - now) / 1000)))
end
return 1
`;

interface LimiterCommands {
  custosGcra(
    key: string,
    nowUs: string,
    incrementUs: string,
    toleranceUs: string,
    consume: string,
  ): Promise<[number, string]>;
  custosRefund(key: string, nowUs: string, decrementUs: string): Promise<number>;
}

/**
 * A limiter shared by every node through Redis or Valkey. Each key is `${keyPrefix}{${key}}`, a
 * hash tag, so it is Cluster-safe, and expires when its TAT passes, so idle keys vanish.
 */
export function createRedisLimiter(options: RedisLimiterOptions): Limiter {
  const { clock, keyPrefix } = options;
  const connection = connectRedis(options, 'limiter', {
    down: 'Redis limiter unavailable: attempts it guards are refused with limits.unavailable until it answers',
    up: 'Redis limiter answers again',
  });
  const { client, call } = connection;
  client.defineCommand('custosGcra', { numberOfKeys: 1, lua: gcraScript });
  client.defineCommand('custosRefund', { numberOfKeys: 1, lua: refundScript });
  const commands = client as typeof client & LimiterCommands;
  const redisKey = (key: string): string => `${keyPrefix}{${key}}`;

  return {
    async consume(key, limit, cost = 1) {
      const request = gcraRequest(key, limit, cost);
      const nowUs = nowMicros(clock);
      const [allowed, stored] = await call(() =>
        commands.custosGcra(
          redisKey(key),
          String(nowUs),
          String(request.incrementUs),
          String(request.toleranceUs),
          request.consumes ? '1' : '0',
        ),
      );
      const { result } = gcraStep(request, Number(stored), nowUs);
      // Both sides run the same integer arithmetic; disagreement means a foreign value in the key.
      // A plain Error, so the client gets a generic 500 and the values go to the log only.
      if (result.allowed !== (allowed === 1)) {
        throw new Error(
          `the Redis limiter script and gcraStep disagree (allowed ${allowed}, stored ${stored})`,
        );
      }
      return result;
    },
    async refund(key, limit, cost = 1) {
      const request = gcraRequest(key, limit, cost);
      if (!request.consumes) return;
      const nowUs = nowMicros(clock);
      await call(() => commands.custosRefund(redisKey(key), String(nowUs), String(request.incrementUs)));
    },
    async reset(key) {
      validateKey(key);
      await call(() => client.del(redisKey(key)));
    },
    close: () => connection.close(),
  };
}
