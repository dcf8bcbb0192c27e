import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CustosError, type ErrorCode, errorCodes } from '../core/errors.js';

/** The body of every error response; one named schema, so generated clients get one error type. */
export const errorBody = z
  .object({
    code: z.string().describe('A stable code from the registry, e.g. `auth.forbidden`.'),
    message: z.string().describe('A sentence for people; never internal error text.'),
    details: z.record(z.string(), z.unknown()).optional(),
    requestId: z.string().describe('Also in the `x-request-id` header and in the server log.'),
  })
  .meta({ id: 'Error' });

// What each error status means across the API; the body's `code` says which case it is.
const statusMeanings = {
  400: 'The request does not match the schema, or a value in it is refused.',
  401: 'No valid credentials: none were given, or the session, API key or password is not valid.',
  403: 'The caller may not do this: its role, scopes, CSRF token or the access policy forbid it.',
  404: 'No such resource, or none the caller may see.',
  409: 'The action conflicts with the current state of the resource.',
  413: 'The request body is larger than allowed.',
  415: 'The request body is not of a content type this route takes.',
  422: 'The request is well formed but what it holds is refused, such as policies that do not validate.',
  429: 'Too many attempts; the `retry-after` header says when to try again.',
  503: 'A part Custos depends on (store, ledger, rate limiter, ticket tracker) is unavailable; try again later.',
} as const;

/** The error statuses routes declare, each with its meaning in the API reference. */
export type ErrorStatus = keyof typeof statusMeanings;

/** Error response schemas for the given statuses, for a route's `response` map. */
export function errorResponses(...statuses: ErrorStatus[]): Record<number, typeof errorBody> {
  return Object.fromEntries(statuses.map((status) => [status, errorBody.describe(statusMeanings[status])]));
}

// Fastify's own request errors, mapped to our stable codes.
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'request.malformed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request.malformed',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request.malformed',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request.too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'request.unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'request.unsupported_media_type',
  FST_ERR_VALIDATION: 'request.invalid',
};

function toCustosError(error: FastifyError): CustosError | undefined {
  if (error instanceof CustosError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    // Paths and messages only: the offending values are never echoed back.
    const issues = error.validation.map((issue) => ({
      path: `${error.validationContext ?? 'body'}${issue.instancePath.replaceAll('/', '.')}`,
      message: issue.message ?? 'invalid',
    }));
    return new CustosError('request.invalid', undefined, { issues });
  }
  if (error.validation) return new CustosError('request.invalid');
  const mapped = error.code ? fastifyCodes[error.code] : undefined;
  if (mapped) return new CustosError(mapped);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    // Any other client error Fastify raises about the request's framing.
    return new CustosError(error.statusCode === 413 ? 'request.too_large' : 'request.malformed');
  }
  return undefined;
}

/**
 * One handler for every error: CustosErrors by their code, a store outage (a full disk, a lost
 * database) by the code `outage` gives it, anything else a logged 500. The underlying error goes
 * to the log with the request id; clients get our codes and sentences only.
 */
export function registerErrorHandling(
  app: FastifyInstance,
  deps: { outage: (error: unknown) => CustosError | undefined },
): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = isResponseSerializationError(error)
      ? undefined
      : (toCustosError(error) ?? deps.outage(error));
    if (known) {
      if (known.code === 'auth.throttled' && typeof known.details?.retryAfterSeconds === 'number') {
        void reply.header('retry-after', String(known.details.retryAfterSeconds));
      }
      if (known.status >= 500) request.log.error({ err: error }, known.message);
      return reply.status(known.status).send({
        code: known.code,
        message: known.message,
        ...(known.details ? { details: known.details } : {}),
        requestId: request.id,
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .status(500)
      .send({ code: 'internal', message: errorCodes.internal.message, requestId: request.id });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      code: 'route.not_found',
      message: errorCodes['route.not_found'].message,
      requestId: request.id,
    }),
  );
}
