import { CustosApiError } from './errors.js';
import { type CallOptions, requestIdPattern, type Settings } from './options.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | undefined;

export interface RequestSpec {
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /** Opt out of retries for a GET/HEAD/PUT/DELETE; POST and PATCH are never retried whatever this says. */
  idempotent?: boolean;
  /** How to read a 2xx body: parsed JSON (default), text, or not at all. */
  responseType?: 'json' | 'text' | 'none';
  call?: CallOptions | undefined;
}

/** The one way resources talk to Custos: `request<T>(method, path, spec)`. */
export type Requester = <T>(method: HttpMethod, path: string, spec?: RequestSpec) => Promise<T>;

const retryableMethods = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);
// Answers that say "not now" rather than "no": the same request may succeed on another attempt.
const retryableStatuses = new Set([429, 502, 503, 504]);

/**
 * A path with each interpolated value URL-encoded as one segment: `path\`/v1/users/${id}\``.
 * Empty, `.` and `..` values are refused, since URL parsing would resolve them to another route.
 */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((out, part, i) => {
    if (i === 0) return part;
    const value = values[i - 1];
    if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
      throw new TypeError('a path parameter must be a non-empty string other than "." and ".."');
    }
    return out + encodeURIComponent(value) + part;
  }, '');
}

type Attempt<T> =
  | { ok: true; value: T }
  | { ok: false; error: CustosApiError; retry: boolean; retryAfterMs?: number | undefined };

interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  requestId: string;
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  return (
    typeof body.code === 'string' &&
    typeof body.message === 'string' &&
    typeof body.requestId === 'string' &&
    (body.details === undefined || (typeof body.details === 'object' && body.details !== null))
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Milliseconds asked for by a Retry-After header (delta-seconds or HTTP date), if any. */
function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function abortedError(requestId: string, label: string, cause: unknown): CustosApiError {
  return new CustosApiError({
    code: 'sdk.aborted',
    message: `${label}: aborted by the caller`,
    status: 0,
    requestId,
    cause,
  });
}

function sleep(ms: number, signal: AbortSignal | undefined, onAbort: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(onAbort());
    const abort = () => {
      clearTimeout(timer);
      reject(onAbort());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** Builds the request core shared by every resource: auth, request ids, timeouts, retries, errors. */
export function createRequester(settings: Settings): Requester {
  const base = settings.baseUrl.href.replace(/\/+$/, '');

  function backoffMs(attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, settings.maxRetryDelayMs);
    // "Equal jitter": at least half the exponential step, so clients that failed together spread out.
    const step = settings.retryBaseMs * 2 ** (attempt - 1);
    return Math.min(step / 2 + Math.random() * (step / 2), settings.maxRetryDelayMs);
  }

  async function attemptOnce<T>(
    method: HttpMethod,
    url: URL,
    init: { headers: Record<string, string>; body: string | undefined },
    spec: RequestSpec,
    requestId: string,
    label: string,
  ): Promise<Attempt<T>> {
    const callerSignal = spec.call?.signal;
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    try {
      // Redirects are not followed: no route redirects, so one means a wrong baseUrl, and following
      // it could carry the Authorization header somewhere else.
      const response = await settings.fetch(url, { method, ...init, signal, redirect: 'manual' });
      const status = response.status;
      if (status >= 200 && status < 300) {
        const responseType = spec.responseType ?? 'json';
        if (responseType === 'none' || status === 204 || method === 'HEAD') {
          await response.body?.cancel();
          return { ok: true, value: undefined as T };
        }
        const text = await response.text();
        if (responseType === 'text') return { ok: true, value: text as T };
        const value = parseJson(text);
        if (value === undefined) {
          const error = new CustosApiError({
            code: 'sdk.invalid_response',
            message: `${label}: HTTP ${status} with a body that is not JSON`,
            status,
            requestId: response.headers.get('x-request-id') ?? requestId,
          });
          return { ok: false, error, retry: false };
        }
        return { ok: true, value: value as T };
      }
      const body = parseJson(await response.text());
      const error = isErrorBody(body)
        ? new CustosApiError({
            code: body.code,
            message: `${label}: ${body.message}`,
            status,
            requestId: body.requestId,
            details: body.details,
          })
        : new CustosApiError({
            code: 'sdk.http_error',
            message:
              status >= 300 && status < 400
                ? `${label}: redirected (HTTP ${status}); check baseUrl (http or https, path prefix)`
                : `${label}: HTTP ${status} without a Custos error body`,
            status,
            requestId: response.headers.get('x-request-id') ?? requestId,
          });
      return {
        ok: false,
        error,
        retry: retryableStatuses.has(status),
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
      };
    } catch (cause) {
      if (callerSignal?.aborted) throw abortedError(requestId, label, cause);
      const timedOut = timeout.aborted;
      const error = new CustosApiError({
        code: timedOut ? 'sdk.timeout' : 'sdk.network',
        message: timedOut
          ? `${label}: no complete answer within ${settings.timeoutMs} ms`
          : `${label}: could not reach Custos at ${settings.baseUrl.origin}`,
        status: 0,
        requestId,
        cause,
      });
      return { ok: false, error, retry: true };
    }
  }

  return async function request<T>(method: HttpMethod, pathname: string, spec: RequestSpec = {}): Promise<T> {
    if (!pathname.startsWith('/')) throw new TypeError(`path must start with "/": ${pathname}`);
    const given = spec.call?.requestId;
    if (given !== undefined && (typeof given !== 'string' || !requestIdPattern.test(given))) {
      throw new TypeError('requestId must be 8 to 64 characters of A-Z a-z 0-9 . _ : -');
    }
    // One id for every attempt of this call, so the server's log lines of all attempts correlate.
    const requestId = given ?? `rid_${globalThis.crypto.randomUUID()}`;
    const label = `${method} ${pathname}`;
    const url = new URL(base + pathname);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {
      accept: spec.responseType === 'text' ? 'text/plain, */*' : 'application/json',
      'user-agent': settings.userAgent,
      'x-request-id': requestId,
    };
    if (settings.apiKey !== undefined) headers.authorization = `Bearer ${settings.apiKey}`;
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    // Fastify refuses an empty body declared as JSON, so the type goes only with a body.
    if (body !== undefined) headers['content-type'] = 'application/json';

    const retryable = retryableMethods.has(method) && spec.idempotent !== false;
    const attempts = retryable ? settings.retries + 1 : 1;
    const signal = spec.call?.signal;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortedError(requestId, label, signal.reason);
      const outcome = await attemptOnce<T>(method, url, { headers, body }, spec, requestId, label);
      if (outcome.ok) return outcome.value;
      if (!outcome.retry || attempt >= attempts) throw outcome.error;
      await sleep(backoffMs(attempt, outcome.retryAfterMs), signal, () =>
        abortedError(requestId, label, signal?.reason),
      );
    }
  };
}
