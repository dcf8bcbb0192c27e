import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Store } from '../../store/store.js';
import { errorResponses } from '../errors.js';
import type { App } from '../types.js';

/** Liveness, readiness and Prometheus metrics. */
export function systemRoutes(app: App, deps: { store: Pick<Store, 'ping'>; metrics: Registry }): void {
  app.get(
    '/healthz',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process is up.',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['system'],
        summary: 'Readiness: the store answers.',
        response: { 200: z.object({ status: z.literal('ready') }), ...errorResponses(503) },
      },
    },
    async () => {
      await deps.store.ping();
      return { status: 'ready' as const };
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: { permission: 'metrics.read' } },
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics (text exposition format).',
        response: { 200: z.string(), ...errorResponses(401, 403) },
      },
    },
    async (_request, reply) => {
      reply.type(deps.metrics.contentType);
      return deps.metrics.metrics();
    },
  );

  app.get('/', { config: { access: { public: true } }, schema: { hide: true } }, async (_request, reply) =>
    reply.redirect('/docs'),
  );
}
