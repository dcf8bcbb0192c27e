/** Options of `createClient`. */
export interface ClientOptions {
  /** Where Custos listens, e.g. `http://127.0.0.1:7070`; a path prefix is kept (`https://gw/custos`). */
  baseUrl: string;
  /** A Custos API key (`ck_…`), sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** Time limit of one attempt, body included; default 5000. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls (GET, HEAD, PUT, DELETE); default 2. POST never retries. */
  retries?: number;
  /** Base of the exponential backoff between attempts, jittered; default 100. */
  retryBaseMs?: number;
  /** Upper bound of any wait between attempts, including one asked for by `Retry-After`; default 10000. */
  maxRetryDelayMs?: number;
  /** The fetch to use; default the global one. */
  fetch?: typeof fetch;
  /** Sent as `User-Agent`; default `custos-sdk/<version>`. */
  userAgent?: string;
}

/** Per-call options, accepted as the last argument of every client method. */
export interface CallOptions {
  /** Cancels the call, including any wait between attempts; it then fails with `sdk.aborted`. */
  signal?: AbortSignal;
  /** Your own correlation id (8–64 of `A-Z a-z 0-9 . _ : -`); one is generated per call otherwise. */
  requestId?: string;
}

/** The SDK's version, sent in the default User-Agent. */
export const sdkVersion = '0.1.0';

/** The options after validation and defaults. */
export interface Settings {
  baseUrl: URL;
  apiKey: string | undefined;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  maxRetryDelayMs: number;
  fetch: typeof fetch;
  userAgent: string;
}

// The shape the server accepts as a caller's request id; anything else it would silently replace.
export const requestIdPattern = /^[A-Za-z0-9._:-]{8,64}$/;

// Printable ASCII without spaces: what a bearer token can be, and never a header-splitting CR/LF.
const apiKeyPattern = /^ck_[\x21-\x7e]{1,300}$/;

function invalid(message: string): TypeError {
  return new TypeError(`createClient: ${message}`);
}

function integerOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function parseBaseUrl(value: unknown): URL {
  if (typeof value !== 'string') throw invalid('baseUrl must be a string such as http://127.0.0.1:7070');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('baseUrl is not a valid URL; expected e.g. http://127.0.0.1:7070');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`baseUrl must use http or https, not ${url.protocol.slice(0, 16)}`);
  }
  // Credentials in the URL would be sent on every call outside the Authorization header we manage.
  if (url.username || url.password) throw invalid('baseUrl must not contain credentials; use apiKey');
  if (url.search || url.hash) throw invalid('baseUrl must not have a query or fragment');
  return url;
}

/** Validates `createClient` options and applies defaults; throws a TypeError naming the bad option. */
export function resolveSettings(options: ClientOptions): Settings {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const { apiKey, userAgent } = options;
  if (apiKey !== undefined && (typeof apiKey !== 'string' || !apiKeyPattern.test(apiKey))) {
    // Never echo the value: it may be a real secret pasted into the wrong place.
    throw invalid('apiKey must be a Custos API key, which starts with ck_ and has no spaces');
  }
  if (userAgent !== undefined && (typeof userAgent !== 'string' || !/^[\x20-\x7e]{1,200}$/.test(userAgent))) {
    throw invalid('userAgent must be 1 to 200 printable ASCII characters');
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw invalid('fetch must be a function (no global fetch found)');
  return {
    baseUrl: parseBaseUrl(options.baseUrl),
    apiKey,
    timeoutMs: integerOption('timeoutMs', options.timeoutMs, 5000, 1, 2_147_483_647),
    retries: integerOption('retries', options.retries, 2, 0, 10),
    retryBaseMs: integerOption('retryBaseMs', options.retryBaseMs, 100, 0, 60_000),
    maxRetryDelayMs: integerOption('maxRetryDelayMs', options.maxRetryDelayMs, 10_000, 0, 300_000),
    fetch: fetchImpl,
    userAgent: userAgent ?? `custos-sdk/${sdkVersion}`,
  };
}
