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
  /**
   * Told once when Redis stops answering (a connection error or a failed command) and once when it
   * answers again, never per request; the lines name the host, never the URL's password.
   */
  logger?: Pick<Logger, 'warn' | 'info'>;
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

/**
 * Takes ARGV[2] microseconds back from the TAT in KEYS[1], in one step so that a consume running
 * at the same time on another node is never lost. ARGV[1] is now; a TAT that falls to now or
 * below means a full burst, so the key is deleted rather than stored in the past.
 */
const refundScript = `
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

// The client sees only a code and a fixed sentence: Redis's own error text stays in the log.
const unavailable = (): CustosError => new CustosError('limits.unavailable');

/**
 * What may be logged of a Redis error: its name, code and message, with the URL and its password
 * masked in case a driver ever quotes them. The error object itself is not logged because ioredis
 * attaches the failed command, whose arguments can hold the AUTH password.
 */
function describeError(error: unknown, secrets: string[]): Record<string, string> {
  let message = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) message = message.replaceAll(secret, '****');
  const code = (error as { code?: unknown } | null)?.code;
  return {
    name: error instanceof Error ? error.name : typeof error,
    ...(typeof code === 'string' ? { code } : {}),
    message: message.slice(0, 500),
  };
}

/** A percent-encoded URL part decoded, or undefined when absent or not decodable. */
function decoded(part: string | undefined): string | undefined {
  try {
    return part ? decodeURIComponent(part) : undefined;
  } catch {
    return undefined;
  }
}

/** Logs the start and the end of an outage, once each, however many requests fail in between. */
function outageReporter(logger: RedisLimiterOptions['logger'], url: string | undefined) {
  const parsed = url && URL.canParse(url) ? new URL(url) : undefined;
  const target = parsed ? { redis: parsed.host } : {};
  const secrets = [url, parsed?.password, decoded(parsed?.password)].filter((secret): secret is string =>
    Boolean(secret),
  );
  let down = false;
  return {
    failed(error: unknown): void {
      if (down) return;
      down = true;
      logger?.warn(
        { ...target, error: describeError(error, secrets) },
        'Redis limiter unavailable: attempts it guards are refused with limits.unavailable until it answers',
      );
    },
    answered(): void {
      if (!down) return;
      down = false;
      logger?.info(target, 'Redis limiter answers again');
    },
  };
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
  const outage = outageReporter(options.logger, options.url);
  if (owned) {
    // ioredis emits an error for every failed reconnect (and prints it to stderr without a
    // listener); the reporter turns that stream into one line per outage.
    client.on('error', (error: unknown) => outage.failed(error));
    client.on('ready', () => outage.answered());
  }
  client.defineCommand('custosGcra', { numberOfKeys: 1, lua: gcraScript });
  client.defineCommand('custosRefund', { numberOfKeys: 1, lua: refundScript });
  const commands = client as typeof client & LimiterCommands;
  const redisKey = (key: string): string => `${keyPrefix}{${key}}`;

  /** Runs one command; a failure is reported to the outage log and becomes limits.unavailable. */
  async function call<T>(command: () => Promise<T>): Promise<T> {
    let reply: T;
    try {
      reply = await command();
    } catch (error) {
      outage.failed(error);
      throw unavailable();
    }
    outage.answered();
    return reply;
  }

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
    async close() {
      if (!owned) return;
      // quit fails when the connection is already gone; disconnect then just stops reconnecting.
      await client.quit().catch(() => client.disconnect());
    },
  };
}
