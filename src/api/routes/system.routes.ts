import type { Registry } from 'prom-client';
import { z } from 'zod';
import { errorBody, errorResponses } from '../errors.js';
import { describeFailing, type Readiness } from '../readiness.js';
import type { App } from '../types.js';

/** Liveness, readiness and Prometheus metrics. */
export function systemRoutes(app: App, deps: { readiness: Readiness; metrics: Registry }): void {
  app.get(
    '/healthz',
    {
      config: { access: { public: true } },
      schema: {
        operationId: 'getLiveness',
        tags: ['system'],
        summary: 'Liveness: the process is up.',
        // Public, but a bearer token sent along is still checked.
        response: { 200: z.object({ status: z.literal('ok') }), ...errorResponses(401) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: { public: true } },
      schema: {
        operationId: 'getReadiness',
        tags: ['system'],
        summary: 'Readiness: the store answers and has room, and ledger checkpoints are being published.',
        description:
          'A 503 names each failing part in `details.failing` as `{component, code, since}`; `code` is ' +
          'that of the first.',
        response: {
          200: z.object({ status: z.literal('ready') }),
          ...errorResponses(401),
          503: errorBody.describe('Not ready: `details.failing` names each failing part.'),
        },
      },
    },
    async (request, reply) => {
      const failing = await deps.readiness.failing((error) =>
        request.log.warn({ err: error }, 'readiness probe failed'),
      );
      if (failing.length === 0) return { status: 'ready' as const };
      // Sent as is rather than thrown: every failing part makes the node unready (503), whatever
      // status its code has elsewhere.
      return reply.status(503).send({
        code: (failing[0] as { code: string }).code,
        message: describeFailing(failing),
        details: { failing },
        requestId: request.id,
      });
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: { permission: 'metrics.read' } },
      schema: {
        operationId: 'getMetrics',
        tags: ['system'],
        summary: 'Prometheus metrics (text exposition format).',
        response: {
          200: {
            description: 'The metrics, in the Prometheus text exposition format 0.0.4.',
            content: { 'text/plain': { schema: z.string() } },
          },
          ...errorResponses(401, 403),
        },
      },
    },
    async (_request, reply) => {
      reply.type(deps.metrics.contentType);
      return deps.metrics.metrics();
    },
  );
}
