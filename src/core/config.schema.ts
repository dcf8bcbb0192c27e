import { z } from 'zod';
import { accessConfig } from './config.access.js';
import { atoConfig } from './config.ato.js';
import { authConfig } from './config.auth.js';
import { discoveryConfig } from './config.discovery.js';
import { bool, duration, int, webhookSecret } from './config.fields.js';
import { ledgerConfig } from './config.ledger.js';
import type { roleNames } from './config.roles.js';

const webhookSchema = z
  .object({
    name: z.string().min(1).max(64).describe('Name shown in logs and metrics.'),
    url: z.url({ protocol: /^https?$/ }).describe('Where events are POSTed as JSON.'),
    topics: z
      .array(z.string().min(1))
      .default(['*'])
      .describe('Event topics to deliver; `*` for all, `access.*` for a prefix.'),
    secret: webhookSecret
      .optional()
      .describe(
        'Signing secret in the Standard Webhooks form `whsec_<base64 of 24-64 random bytes>` (make one with `custos webhook secret`); when set, each delivery carries `webhook-signature`.',
      ),
    format: z
      .enum(['event', 'slack'])
      .default('event')
      .describe('`event`: the OCSF event as JSON; `slack`: a Slack-compatible chat message.'),
  })
  .strict();

/** The whole configuration: one schema, each domain's section in a file of its own. */
export const configSchema = z
  .object({
    dataDir: z.string().min(1).default('./custos-data').describe('Folder for the embedded store and ledger.'),
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1').describe('Address the API listens on.'),
        port: int(0, 65535).default(7070).describe('TCP port of the API.'),
        trustProxy: bool.default(false).describe('Trust X-Forwarded-* headers (only behind your own proxy).'),
        bodyLimit: int(1024, 16 * 1024 * 1024)
          .default(1024 * 1024)
          .describe('Largest request body in bytes.'),
        publicDocs: bool.default(true).describe('Serve /docs and /openapi.json without authentication.'),
        shutdownGrace: duration('10s').describe('How long shutdown waits for requests and deliveries.'),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
          .optional()
          .describe('PostgreSQL URL; when unset the embedded SQLite store in dataDir is used.'),
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lowercase SQL identifier')
          .default('public')
          .describe('PostgreSQL schema holding the Custos tables.'),
        poolSize: int(1, 200).default(10).describe('PostgreSQL connection pool size.'),
      })
      .strict()
      .prefault({}),
    redis: z
      .object({
        url: z
          .string()
          .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
          .optional()
          .describe('Redis/Valkey URL for shared counters; when unset counters live in memory.'),
        keyPrefix: z.string().max(64).default('custos:').describe('Prefix of every Redis key.'),
      })
      .strict()
      .prefault({}),
    nats: z
      .object({
        url: z
          .string()
          .regex(/^(nats|tls):\/\//, 'expected nats:// or tls:// URLs, comma-separated')
          .optional()
          .describe(
            'NATS servers with JetStream (comma-separated URLs): events go through a durable stream shared by every node; when unset the bus is in-process.',
          ),
        stream: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only')
          .default('CUSTOS_EVENTS')
          .describe('The JetStream stream that holds the events.'),
        subjectPrefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,32}$/, 'one subject token: letters, digits, _ and -')
          .default('custos')
          .describe('First token of every event subject (`<prefix>.p<partition>.<topic>`).'),
        partitions: int(1, 1024)
          .default(16)
          .describe(
            'Partitions by event key: one entity’s events stay in order, and the partitions are shared among the nodes. Every node must use the same number.',
          ),
        maxAge: duration('7d').describe('How long the stream keeps events.'),
        duplicateWindow: duration('2m').describe(
          'A second publish of the same event id within this is dropped.',
        ),
        replicas: int(1, 5).default(1).describe('Copies of the stream in a NATS cluster.'),
        ackWait: duration('30s').describe(
          'How long a delivery may go unacknowledged before it is redelivered.',
        ),
      })
      .strict()
      .prefault({}),
    events: z
      .object({
        batchMax: int(1, 100_000)
          .default(1000)
          .describe('Most events in one POST /v1/events; a larger batch is refused whole with 413.'),
        maxAge: duration('30d').describe('Events older than this (by their own time) are refused.'),
        maxAhead: duration('5m').describe('Events further ahead of this node’s clock than this are refused.'),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info')
          .describe('Log level.'),
        pretty: bool.default(false).describe('Human-readable logs instead of JSON lines.'),
      })
      .strict()
      .prefault({}),
    auth: authConfig,
    outbox: z
      .object({
        pollInterval: duration('500ms').describe('How often the outbox looks for due deliveries.'),
        batchSize: int(1, 1000).default(50).describe('Deliveries taken per poll.'),
        maxAttempts: int(1, 100).default(12).describe('Attempts before a delivery is marked dead.'),
        backoffBase: duration('1s').describe('Delay before the first retry; doubles each attempt.'),
        backoffMax: duration('10m').describe('Longest delay between retries.'),
        deliveryTimeout: duration('10s').describe('Timeout of one webhook delivery.'),
      })
      .strict()
      .prefault({}),
    ledger: ledgerConfig,
    access: accessConfig,
    ato: atoConfig,
    discovery: discoveryConfig,
    webhooks: z.array(webhookSchema).max(50).default([]).describe('Webhook destinations of outbox events.'),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type Role = (typeof roleNames)[number];
