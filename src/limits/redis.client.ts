import { type Cluster, Redis } from 'ioredis';
import { CustosError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** How a Redis-backed part of limits/ reaches Redis; shared by the limiter and the counters. */
export interface RedisConnectionOptions {
  /** A redis:// or rediss:// URL; the part opens its own client and closes it on close(). */
  url?: string;
  /** An existing client or Cluster, which close() leaves open. */
  client?: Redis | Cluster;
  /** Prepended to every key; must not contain braces (they pick the hash slot). */
  keyPrefix: string;
  /** How long connecting may take before commands fail; 2 s by default. Own client only. */
  connectTimeoutMs?: number;
  /**
   * Told once when Redis stops answering (a connection error or a failed command) and once when it
   * answers again, never per request; the lines name the host, never the URL's password.
   */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

/** The lines an outage is logged with. */
export interface OutageMessages {
  down: string;
  up: string;
}

// The client sees only a code and a fixed sentence: Redis's own error text stays in the log.
export const unavailable = (): CustosError => new CustosError('limits.unavailable');

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
export function outageReporter(
  logger: RedisConnectionOptions['logger'],
  url: string | undefined,
  messages: OutageMessages,
) {
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
      logger?.warn({ ...target, error: describeError(error, secrets) }, messages.down);
    },
    answered(): void {
      if (!down) return;
      down = false;
      logger?.info(target, messages.up);
    },
  };
}

export interface RedisConnection {
  client: Redis | Cluster;
  /** Runs commands; a failure is reported to the outage log and becomes limits.unavailable. */
  call<T>(command: () => Promise<T>): Promise<T>;
  /** Quits the client if it was opened here. */
  close(): Promise<void>;
}

/** Checks the options, opens or adopts the client and wires outage reporting. */
export function connectRedis(
  options: RedisConnectionOptions,
  what: string,
  messages: OutageMessages,
): RedisConnection {
  if ((options.url === undefined) === (options.client === undefined)) {
    throw new CustosError('config.invalid', `the Redis ${what} needs exactly one of url or client`);
  }
  if (/[{}]/.test(options.keyPrefix)) {
    throw new CustosError('config.invalid', 'the Redis key prefix must not contain braces', {
      keyPrefix: options.keyPrefix,
    });
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
  const outage = outageReporter(options.logger, options.url, messages);
  if (owned) {
    // ioredis emits an error for every failed reconnect (and prints it to stderr without a
    // listener); the reporter turns that stream into one line per outage.
    client.on('error', (error: unknown) => outage.failed(error));
    client.on('ready', () => outage.answered());
  }
  return {
    client,
    async call(command) {
      let reply: Awaited<ReturnType<typeof command>>;
      try {
        reply = await command();
      } catch (error) {
        outage.failed(error);
        throw unavailable();
      }
      outage.answered();
      return reply;
    },
    async close() {
      if (!owned) return;
      // quit fails when the connection is already gone; disconnect then just stops reconnecting.
      await client.quit().catch(() => client.disconnect());
    },
  };
}
