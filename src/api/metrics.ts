import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface ApiMetricsDeps {
  /** Undelivered outbox rows by state, read at scrape time. */
  outboxBacklog: () => Promise<{ pending: number; dead: number }>;
}

/** A registry of its own per app, so several apps in one process (tests) never collide. */
export function createMetrics(app: FastifyInstance, deps: ApiMetricsDeps): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'custos_' });
  const requests = new Counter({
    name: 'custos_http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'custos_http_request_duration_seconds',
    help: 'HTTP request duration by method and route.',
    labelNames: ['method', 'route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'custos_outbox_backlog',
    help: 'Outbox deliveries not yet delivered, by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const backlog = await deps.outboxBacklog();
      this.set({ state: 'pending' }, backlog.pending);
      this.set({ state: 'dead' }, backlog.dead);
    },
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the raw URL, keeps label cardinality bounded.
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  return registry;
}
