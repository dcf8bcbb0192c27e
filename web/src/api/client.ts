import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema.js';

/** What every Custos error body holds (`ErrorResponse` in the OpenAPI document). */
export interface ApiErrorBody {
  code: string;
  message: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

/** A refused or failed call, with what a person needs to report it: code and request id. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
    this.name = 'ApiError';
  }
  get code(): string {
    return this.body.code;
  }
  get requestId(): string | undefined {
    return this.body.requestId;
  }
}

/** Listeners for the two answers that end what the person is doing: signed out, or must change password. */
type SessionListener = (event: 'expired' | 'password_change_required') => void;
const sessionListeners = new Set<SessionListener>();
export function onSessionEvent(listener: SessionListener): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

/** The CSRF token the server set beside the session cookie; echoed on every write. */
function csrfToken(): string | undefined {
  const match = /(?:^|;\s*)custos_csrf=([^;]+)/.exec(document.cookie);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Calls give up after this long, so no spinner turns forever. */
export const requestTimeoutMs = 15_000;

const middleware: Middleware = {
  onRequest({ request }) {
    if (unsafe.has(request.method)) {
      const token = csrfToken();
      if (token) request.headers.set('x-csrf-token', token);
    }
    return request;
  },
  async onResponse({ request, response }) {
    const signingIn = new URL(request.url).pathname === '/v1/auth/login';
    if (response.status === 401 && !signingIn) {
      for (const listener of sessionListeners) listener('expired');
    } else if (response.status === 403) {
      const body = (await response
        .clone()
        .json()
        .catch(() => null)) as ApiErrorBody | null;
      if (body?.code === 'auth.password_change_required') {
        for (const listener of sessionListeners) listener('password_change_required');
      }
    }
    return response;
  },
};

/** Typed calls to the Custos API: paths, parameters and bodies come from its OpenAPI document. */
export const api = createClient<paths>({
  baseUrl: window.location.origin,
  credentials: 'same-origin',
  fetch: (request) => fetch(request, { signal: AbortSignal.timeout(requestTimeoutMs) }),
});
api.use(middleware);

/**
 * The data of an openapi-fetch result, or an ApiError carrying the server's code, message and
 * request id. Network failures and timeouts become ApiErrors too, so every failure reads alike.
 */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    throw new ApiError(0, {
      code: timedOut ? 'client.timeout' : 'client.network',
      message: timedOut
        ? `Custos did not answer within ${requestTimeoutMs / 1000} seconds.`
        : 'Custos could not be reached. Check your connection.',
    });
  }
  const { data, error, response } = result;
  if (error !== undefined || !response.ok) {
    const body = (error ?? {}) as Partial<ApiErrorBody>;
    throw new ApiError(response.status, {
      code: body.code ?? `http.${response.status}`,
      message: body.message ?? `The server answered ${response.status}.`,
      ...(body.requestId ? { requestId: body.requestId } : {}),
      ...(body.details ? { details: body.details } : {}),
    });
  }
  return (data ?? null) as NonNullable<T>;
}

/**
 * Sends a file as the raw body of a POST, for routes that stream what they are sent (a leaked
 * dump). XMLHttpRequest rather than fetch, because only it reports upload progress. No timeout: a
 * large file takes as long as it takes, and the person sees it move. The CSRF header is set as the
 * middleware sets it for every other write.
 */
export function upload<T>(
  path: string,
  file: Blob,
  contentType: string,
  onProgress: (sent: number, total: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', new URL(path, window.location.origin));
    xhr.setRequestHeader('content-type', contentType);
    const token = csrfToken();
    if (token) xhr.setRequestHeader('x-csrf-token', token);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) =>
      onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onerror = () =>
      reject(
        new ApiError(0, {
          code: 'client.network',
          message: 'Custos could not be reached, or closed the connection during the upload.',
        }),
      );
    xhr.onload = () => {
      const body = xhr.response as (Partial<ApiErrorBody> & Record<string, unknown>) | null;
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as T);
        return;
      }
      if (xhr.status === 401) for (const listener of sessionListeners) listener('expired');
      reject(
        new ApiError(xhr.status, {
          code: body?.code ?? `http.${xhr.status}`,
          message: body?.message ?? `The server answered ${xhr.status}.`,
          ...(body?.requestId ? { requestId: body.requestId } : {}),
        }),
      );
    };
    xhr.send(file);
  });
}
