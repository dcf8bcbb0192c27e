import type { ErrorCode } from '../core/errors.js';

/**
 * Codes the SDK itself raises, for failures where no Custos answer was understood. Their status
 * is 0 when no HTTP response arrived at all.
 */
export type SdkErrorCode =
  /** The connection failed (refused, reset, DNS): status 0. */
  | 'sdk.network'
  /** An attempt took longer than `timeoutMs`: status 0. */
  | 'sdk.timeout'
  /** The caller's own AbortSignal fired: status 0. */
  | 'sdk.aborted'
  /** A non-2xx answer without a Custos error body (a proxy's 502 page, say). */
  | 'sdk.http_error'
  /** A 2xx answer whose body is not the JSON the route declares. */
  | 'sdk.invalid_response';

/** A code a client can switch on: the server's registry, the SDK's own, or one newer than this SDK. */
export type CustosApiErrorCode = ErrorCode | SdkErrorCode | (string & {});

export interface CustosApiErrorInit {
  code: CustosApiErrorCode;
  message: string;
  status: number;
  requestId: string;
  details?: Record<string, unknown> | undefined;
  cause?: unknown;
}

/** Every failed call: a non-2xx answer with the server's stable code, or an SDK-side failure. */
export class CustosApiError extends Error {
  readonly code: CustosApiErrorCode;
  /** The HTTP status, or 0 when no response arrived (network failure, timeout, abort). */
  readonly status: number;
  /** The `x-request-id` of the call, the same on every attempt: quote it to find the server's log. */
  readonly requestId: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(init: CustosApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'CustosApiError';
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.details = init.details;
  }
}

/** True when `value` is a CustosApiError carrying `code` (or any code when none is given). */
export function isCustosApiError(value: unknown, code?: CustosApiErrorCode): value is CustosApiError {
  return value instanceof CustosApiError && (code === undefined || value.code === code);
}
