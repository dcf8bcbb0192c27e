import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CustosError } from './errors.js';

const durationPattern = /^(\d+)(ms|s|m|h|d)$/;
const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses a duration such as `500ms`, `30s`, `15m`, `12h` or `7d` to milliseconds. */
export function parseDuration(text: string): number {
  const match = durationPattern.exec(text);
  if (!match)
    throw new CustosError('request.invalid', `invalid duration: ${text} (use e.g. 500ms, 30s, 15m, 12h, 7d)`);
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}

/** A duration given as milliseconds or as text such as `15m`, `12h`, `500ms`; parsed to ms. */
function duration(defaultValue: string) {
  return z
    .union([
      z.number().int().nonnegative(),
      z.string().regex(durationPattern, 'expected a duration such as 500ms, 30s, 15m, 12h or 7d'),
    ])
    .default(defaultValue)
    .transform((value) => (typeof value === 'number' ? value : parseDuration(value)));
}

// Digits only: Number('') is 0, so plain coercion would turn an empty variable into port 0.
const int = (min: number, max: number) =>
  z
    .union([z.number(), z.string().regex(/^\d+$/, 'expected a whole number').transform(Number)])
    .pipe(z.number().int().min(min).max(max));
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const roleNames = ['admin', 'analyst', 'approver', 'engineer', 'auditor', 'service'] as const;

const webhookSchema = z
  .object({
    name: z.string().min(1).max(64).describe('Name shown in logs and metrics.'),
    url: z.url({ protocol: /^https?$/ }).describe('Where events are POSTed as JSON.'),
    topics: z
      .array(z.string().min(1))
      .default(['*'])
      .describe('Event topics to deliver; `*` for all, `access.*` for a prefix.'),
    secret: z
      .string()
      .min(16)
      .optional()
      .describe('HMAC-SHA256 key; when set, each delivery carries `x-custos-signature`.'),
    format: z
      .enum(['event', 'slack'])
      .default('event')
      .describe('`event`: the OCSF event as JSON; `slack`: a Slack-compatible chat message.'),
  })
  .strict();

const trackerSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .default('tracker')
      .describe('Name recorded as the poster of synced tickets.'),
    url: z
      .url({ protocol: /^https?$/ })
      .refine((u) => u.includes('{id}'), 'the URL must contain {id}')
      .describe('Ticket URL with {id} in place of the ticket id; GET must answer the ticket as JSON.'),
    token: z
      .string()
      .min(1)
      .optional()
      .describe('Sent as `Authorization: Bearer <token>` (masked in output).'),
    timeout: duration('5s').describe('How long one ticket fetch may take.'),
    refreshInterval: duration('5m').describe('How often tickets cited by grants in force are re-read.'),
    fields: z
      .object({
        title: z.string().default('title').describe('Path of the ticket title.'),
        status: z.string().default('status').describe('Path of the status, matched against openStatuses.'),
        assignee: z.string().default('assignee').describe('Path of the assignee (see assigneeIs).'),
        subjects: z
          .string()
          .default('subjects')
          .describe('Path of the list of platform user ids the ticket is about.'),
        reporter: z
          .string()
          .default('reporter')
          .describe('Path of the platform user id who filed the ticket.'),
      })
      .strict()
      .prefault({})
      .describe('Dotted paths of the ticket fields in the tracker’s JSON (e.g. fields.assignee.name).'),
    openStatuses: z
      .array(z.string().min(1))
      .min(1)
      .default(['open'])
      .describe('Tracker statuses that count as open; any other status is closed.'),
    assigneeIs: z
      .enum(['username', 'id'])
      .default('username')
      .describe('Whether the assignee field holds a Custos username or a Custos usr_ id.'),
  })
  .strict();

const oidcSchema = z
  .object({
    issuer: z.url().describe('Issuer URL of the OpenID provider (discovery is used).'),
    clientId: z.string().min(1).describe('OAuth client id registered for Custos.'),
    clientSecret: z.string().min(1).describe('OAuth client secret (masked in output).'),
    redirectUri: z.url().describe('Callback URL, ending in /v1/auth/oidc/callback.'),
    scopes: z.string().default('openid profile email').describe('Scopes requested at sign-in.'),
    usernameClaim: z.string().default('preferred_username').describe('Claim used as the username.'),
    rolesClaim: z.string().default('groups').describe('Claim holding group or role names.'),
    roleMap: z
      .record(z.string(), z.array(z.enum(roleNames)))
      .default({})
      .describe('Maps a value of the roles claim to Custos roles; users without a mapped role are refused.'),
  })
  .strict();

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
    auth: z
      .object({
        sessionTtl: duration('12h').describe('Absolute lifetime of a console session.'),
        sessionIdleTimeout: duration('1h').describe('A session unused this long expires.'),
        cookieSecure: z
          .enum(['auto', 'always', 'never'])
          .default('auto')
          .describe('Secure flag on cookies; `auto` sets it when the request came over HTTPS.'),
        accountFailureLimit: int(1, 1000)
          .default(5)
          .describe(
            'Failed password attempts per account within throttleWindow before it is throttled; attempts in flight count.',
          ),
        ipFailureLimit: int(1, 100_000)
          .default(50)
          .describe(
            'Failed password attempts per client IP within throttleWindow before it is throttled; attempts in flight count.',
          ),
        throttleWindow: duration('15m').describe(
          'Window over which failed password attempts (sign-in and password change) are counted.',
        ),
        passwordMinScore: int(2, 4)
          .default(4)
          .describe(
            'Least zxcvbn strength score (2-4) of a password a person chooses; common and breached passwords score 0-1.',
          ),
        apiKeyTouchInterval: duration('1m').describe(
          'Least time between updates of an API key last-used time.',
        ),
        oidc: oidcSchema.optional().describe('OpenID Connect sign-in; off when unset.'),
      })
      .strict()
      .prefault({}),
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
    ledger: z
      .object({
        origin: z
          .string()
          .regex(
            /^[A-Za-z0-9][A-Za-z0-9.:/_-]{0,127}$/,
            'expected a schema-less URL such as example.com/custos',
          )
          .default('localhost/custos')
          .describe('Origin line of the checkpoints and name of the signing key.'),
        dir: z
          .string()
          .min(1)
          .optional()
          .describe('Folder of the public tiles and checkpoint; default <dataDir>/ledger.'),
        keyFile: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Signing key (note skey format); created at first start; default <dataDir>/keys/ledger.skey.',
          ),
        maxDelay: duration('1s').describe(
          'Longest wait between sequencing an entry and its checkpoint; a proof asked for sooner starts one at once.',
        ),
        maxBatch: int(1, 1_000_000).default(16_384).describe('Most entries integrated per checkpoint.'),
        maxGroup: int(1, 100_000).default(8192).describe('Most records committed in one store transaction.'),
        maxPending: int(1, 10_000_000)
          .default(200_000)
          .describe('Appends allowed to wait; beyond it appends fail closed.'),
        tileCacheSize: int(16, 1_000_000).default(4096).describe('Tiles kept in memory for proofs.'),
        witnesses: z
          .array(
            z
              .object({
                url: z
                  .url({ protocol: /^https?$/ })
                  .describe('Base URL of the witness (add-checkpoint is under it).'),
                vkey: z.string().min(1).describe('The witness cosignature verifier key.'),
              })
              .strict(),
          )
          .max(32)
          .default([])
          .describe('Witnesses that must cosign each checkpoint before it is published.'),
        witnessQuorum: int(0, 32)
          .optional()
          .describe('Cosignatures required; default all configured witnesses.'),
      })
      .strict()
      .prefault({}),
    access: z
      .object({
        catalog: z
          .array(
            z
              .object({
                name: z.string().min(3).max(64).describe('Field class name, dotted: identity.phone.'),
                tier: z
                  .union([z.literal(1), z.literal(2), z.literal(3)])
                  .describe('Sensitivity, 1 low to 3 sensitive.'),
                description: z.string().min(1).max(200).describe('What the class holds.'),
              })
              .strict(),
          )
          .min(1)
          .max(500)
          .optional()
          .describe('The data catalog; the built-in messaging-platform catalog when unset.'),
        tracker: trackerSchema
          .optional()
          .describe('HTTP connector to an external ticket tracker; tickets are then read from it.'),
        policyDir: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Folder of Cedar approval policies (schema.cedarschema and *.cedar); the shipped policies/access when unset.',
          ),
        requestTtl: duration('7d').describe(
          'How long an access request may wait for approval before it lapses.',
        ),
        breakGlass: z
          .object({
            maxDuration: duration('1h').describe(
              'Longest emergency grant an engineer on call may self-issue.',
            ),
            maxSubjects: int(1, 100).default(5).describe('Most users one break-glass grant may name.'),
            reviewWithin: duration('24h').describe(
              'Security must review each break-glass use within this time.',
            ),
            sweepInterval: duration('1m').describe(
              'How often overdue break-glass reviews are looked for and escalated.',
            ),
          })
          .strict()
          .prefault({}),
        transparency: z
          .object({
            legalHoldDelay: duration('90d').describe(
              'Accesses for a legal request are listed to their subject only after this delay.',
            ),
            pseudonymSecret: z
              .string()
              .min(32)
              .optional()
              .describe(
                'Secret behind accessor pseudonyms. Default: with PostgreSQL, one kept in the database that every node shares; with SQLite, a key file created in <dataDir>/keys.',
              ),
          })
          .strict()
          .prefault({}),
        reviews: z
          .object({
            remindBefore: duration('24h').describe(
              'Reviewers are reminded this long before a review campaign’s deadline.',
            ),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    webhooks: z.array(webhookSchema).max(50).default([]).describe('Webhook destinations of outbox events.'),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type Role = (typeof roleNames)[number];

/** Paths whose values are secret: printed and reported masked. `*` matches an array index. */
const secretPaths = [
  'auth.oidc.clientSecret',
  'webhooks.*.secret',
  'access.transparency.pseudonymSecret',
  'access.tracker.token',
];
/** Paths holding URLs whose password part is secret. */
const urlPaths = ['database.url', 'redis.url'];
/**
 * Paths holding URLs that are secret past their host: a chat webhook (Slack's
 * `hooks.slack.com/services/T…/B…/…`, say) is authorised by its path alone.
 */
const capabilityUrlPaths = ['webhooks.*.url'];

function pathMatches(pattern: string, path: string): boolean {
  const a = pattern.split('.');
  const b = path.split('.');
  return a.length === b.length && a.every((part, i) => part === '*' || part === b[i]);
}

function maskUrl(value: string, beyondHost = false): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '****';
    // A capability URL may carry its token as the user name too (`https://TOKEN@host/`).
    if (beyondHost) return `${url.protocol}//${url.username || url.password ? '****@' : ''}${url.host}/****`;
    for (const key of [...url.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) url.searchParams.set(key, '****');
    }
    return url.toString();
  } catch {
    return '****';
  }
}

/** A copy of `value` with secrets replaced by `****` and URL passwords hidden. */
export function maskSecrets(value: unknown, path = ''): unknown {
  if (Array.isArray(value)) return value.map((item, i) => maskSecrets(item, path ? `${path}.${i}` : `${i}`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, maskSecrets(inner, path ? `${path}.${key}` : key)]),
    );
  }
  if (typeof value === 'string') {
    if (secretPaths.some((p) => pathMatches(p, path))) return '****';
    if (urlPaths.some((p) => pathMatches(p, path))) return maskUrl(value);
    if (capabilityUrlPaths.some((p) => pathMatches(p, path))) return maskUrl(value, true);
  }
  return value;
}

type AnySchema = z.ZodType;

/** Unwraps default/optional/pipe wrappers to reach the schema that holds the shape. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema as AnySchema & { def: { type: string; innerType?: AnySchema; in?: AnySchema } };
  for (;;) {
    const def = current.def;
    if (['default', 'prefault', 'optional', 'nullable'].includes(def.type) && def.innerType) {
      current = def.innerType as typeof current;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in as typeof current;
    } else {
      return current;
    }
  }
}

export interface ConfigKey {
  path: string;
  env: string;
  description: string;
  kind: 'scalar' | 'json';
}

function envName(path: string[]): string {
  return `CUSTOS_${path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

/** Every settable key of the schema with its environment variable and description. */
export function configKeys(schema: AnySchema = configSchema, prefix: string[] = []): ConfigKey[] {
  const inner = unwrap(schema) as AnySchema & { def: { type: string }; shape?: Record<string, AnySchema> };
  if (inner.def.type === 'object' && inner.shape) {
    return Object.entries(inner.shape).flatMap(([key, child]) => configKeys(child, [...prefix, key]));
  }
  const isStructured =
    inner.def.type === 'object' || inner.def.type === 'array' || inner.def.type === 'record';
  return [
    {
      path: prefix.join('.'),
      env: envName(prefix),
      description: schema.description ?? inner.description ?? '',
      kind: isStructured ? 'json' : 'scalar',
    },
  ];
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (!next || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const existing = out[key];
    const bothObjects =
      value && typeof value === 'object' && !Array.isArray(value) && existing && typeof existing === 'object';
    out[key] = bothObjects
      ? deepMerge(existing as Record<string, unknown>, value as Record<string, unknown>)
      : value;
  }
  return out;
}

/** Environment variables that belong to Custos but are not config keys. */
const reservedEnv = new Set(['CUSTOS_CONFIG']);

export interface LoadConfigOptions {
  /** Path of a YAML file; `CUSTOS_CONFIG` is used when absent. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values that override every source, e.g. from command-line flags. */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: Config;
  /** Where values came from, for `config print`. */
  sources: string[];
  /** CUSTOS_* variables that name no key (likely typos). */
  unknownEnv: string[];
}

function describeIssue(issue: z.core.$ZodIssue, path: string): string {
  const secret = [...secretPaths, ...urlPaths, ...capabilityUrlPaths].some((p) => pathMatches(p, path));
  // zod messages do not echo input values; we keep it that way so secrets never reach a log.
  return `${path || '(root)'}: ${issue.message}${secret ? ' (value masked)' : ''}`;
}

/** Reads defaults, then the YAML file, then CUSTOS_* variables, then overrides; fails naming the key. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const sources = ['defaults'];
  let raw: Record<string, unknown> = {};

  const file = options.file ?? env.CUSTOS_CONFIG;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CustosError('config.invalid', `cannot read config file ${file}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text) ?? {};
    } catch (error) {
      throw new CustosError(
        'config.invalid',
        // The parser quotes the offending lines, which may hold a secret; keep only its summary line.
        `config file ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]?.replace(/:$/, '')}`,
      );
    }
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new CustosError('config.invalid', `config file ${file} must hold a mapping at the top level`);
    }
    raw = parsed as Record<string, unknown>;
    sources.push(`file ${file}`);
  }

  const keys = configKeys();
  const byEnv = new Map(keys.map((key) => [key.env, key]));
  const unknownEnv: string[] = [];
  const envUsed: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('CUSTOS_') || value === undefined || reservedEnv.has(name)) continue;
    if (name.startsWith('CUSTOS_TEST_')) continue;
    const key = byEnv.get(name);
    if (!key) {
      unknownEnv.push(name);
      continue;
    }
    let parsedValue: unknown = value;
    if (key.kind === 'json') {
      try {
        parsedValue = JSON.parse(value);
      } catch {
        throw new CustosError('config.invalid', `${name} (${key.path}): expected JSON`);
      }
    }
    envUsed.push(name);
    setPath(raw, key.path.split('.'), parsedValue);
  }
  if (envUsed.length) sources.push(`environment ${envUsed.sort().join(', ')}`);

  const overrides = Object.entries(options.overrides ?? {}).filter(([, value]) => value !== undefined);
  for (const [path, value] of overrides) setPath(raw, path.split('.'), value);
  if (overrides.length) sources.push(`flags ${overrides.map(([path]) => path).join(', ')}`);

  const result = configSchema.safeParse(deepMerge({}, raw));
  if (!result.success) {
    const lines = result.error.issues.map((issue) => describeIssue(issue, issue.path.join('.')));
    throw new CustosError('config.invalid', `invalid configuration:\n  ${lines.join('\n  ')}`, {
      issues: lines,
    });
  }
  return { config: result.data, sources, unknownEnv };
}
