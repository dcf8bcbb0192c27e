import { type Cluster, Redis } from 'ioredis';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { gcraRequest, gcraStep, type Limiter, nowMicros, validateKey } from './limiter.js';

export interface RedisLimiterOptions {
  /** A redis:// or rediss:// URL; the limiter opens its own client and closes it on close(). */
  url?: string;
  /** An existing client or Cluster, which close() leaves open. */
  client?: Redis | Cluster;
  /** Prepended to every key, e.g. `custos:rl:`; must not contain braces (they pick the hash slot). */
  keyPrefix: string;
  clock: Clock;
  /** How long connecting may take before commands fail; 2 s by default. Own client only. */
  connectTimeoutMs?: number;
  /** Receives connection errors of the limiter's own client; commands still reject on their own. */
  logger?: Pick<Logger, 'warn'>;
}

/**
 * One GCRA step, atomic in Redis. KEYS[1] holds the TAT in integer microseconds; ARGV are now,
 * increment and tolerance in microseconds and whether to consume (1) or only peek (0). The
 * arithmetic mirrors gcraStep in limiter.ts, which turns the stored TAT into the full result.
 * The time comes from the caller's clock, not Redis TIME, so every node and test agrees on it.
 */
const gcraScript = `
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

interface GcraCommand {
  custosGcra(
    key: string,
    nowUs: string,
    incrementUs: string,
    toleranceUs: string,
    consume: string,
  ): Promise<[number, string]>;
}

function unavailable(error: unknown): CustosError {
  // Redis's own words stay on `cause`, for the log; never for the caller.
  return new CustosError('store.unavailable', 'the Redis limiter does not answer', undefined, {
    cause: error,
  });
}

/**
 * A limiter shared by every node through Redis or Valkey. Each key is `${keyPrefix}{${key}}`, a
 * hash tag, so it is Cluster-safe, and expires when its TAT passes, so idle keys vanish.
 */
export function createRedisLimiter(options: RedisLimiterOptions): Limiter {
  const { clock, keyPrefix } = options;
  if ((options.url === undefined) === (options.client === undefined)) {
    throw new CustosError('config.invalid', 'the Redis limiter needs exactly one of url or client');
  }
  if (/[{}]/.test(keyPrefix)) {
    throw new CustosError('config.invalid', 'the Redis key prefix must not contain braces', { keyPrefix });
  }
  const owned = options.client === undefined;
  const client =
    options.client ??
    new Redis(options.url as string, {
      // Fail a command after one reconnect attempt instead of queueing it forever; the offline
      // queue stays on so that commands sent while the first connection opens still run.
      maxRetriesPerRequest: 1,
      connectTimeout: options.connectTimeoutMs ?? 2000,
      lazyConnect: false,
    });
  if (owned) {
    // Without a listener ioredis prints every failed reconnect to stderr.
    client.on('error', (error: Error) =>
      options.logger?.warn({ err: error }, 'Redis limiter connection error'),
    );
  }
  client.defineCommand('custosGcra', { numberOfKeys: 1, lua: gcraScript });
  const gcra = client as typeof client & GcraCommand;
  const redisKey = (key: string): string => `${keyPrefix}{${key}}`;

  return {
    async consume(key, limit, cost = 1) {
      const request = gcraRequest(key, limit, cost);
      const nowUs = nowMicros(clock);
      let reply: [number, string];
      try {
        reply = await gcra.custosGcra(
          redisKey(key),
          String(nowUs),
          String(request.incrementUs),
          String(request.toleranceUs),
          request.consumes ? '1' : '0',
        );
      } catch (error) {
        throw unavailable(error);
      }
      const [allowed, stored] = reply;
      const { result } = gcraStep(request, Number(stored), nowUs);
      // Both sides run the same integer arithmetic; disagreement means a foreign value in the key.
      if (result.allowed !== (allowed === 1)) {
        throw new CustosError('internal', 'the Redis limiter script and gcraStep disagree', {
          allowed,
          stored,
        });
      }
      return result;
    },
    async reset(key) {
      validateKey(key);
      try {
        await client.del(redisKey(key));
      } catch (error) {
        throw unavailable(error);
      }
    },
    async close() {
      if (!owned) return;
      // quit fails when the connection is already gone; disconnect then just stops reconnecting.
      await client.quit().catch(() => client.disconnect());
    },
  };
}
