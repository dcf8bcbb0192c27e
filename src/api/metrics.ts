import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AccessStats } from '../access/metrics.js';

export interface ApiMetricsDeps {
  /** Undelivered outbox rows by state, read at scrape time. */
  outboxBacklog: () => Promise<{ pending: number; dead: number }>;
  /** Access figures from the store, read at scrape time. */
  accessStats: () => Promise<AccessStats>;
  /** Access checks answered by this process, by decision and leading reason. */
  checkCounts: () => { decision: string; reason: string; count: number }[];
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
  new Counter({
    name: 'custos_access_checks_total',
    help: 'Access checks answered (and logged) by this process, by decision and leading reason code.',
    labelNames: ['decision', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { decision, reason, count } of deps.checkCounts()) this.inc({ decision, reason }, count);
    },
  });
  // One store read per scrape feeds every access gauge.
  let pendingStats: Promise<AccessStats> | undefined;
  const stats = () => {
    pendingStats ??= deps.accessStats().finally(() => {
      pendingStats = undefined;
    });
    return pendingStats;
  };
  const gauge = (
    name: string,
    help: string,
    read: (s: AccessStats) => number | null,
    labelNames: string[] = [],
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const value = read(await stats());
        if (value === null) this.reset();
        else this.set(value);
      },
    });
  gauge(
    'custos_access_standing_access_actors',
    'People holding a grant in force that no approved request or break-glass explains, or longer than any tier allows. Must be 0.',
    (s) => s.standingAccessActors,
  );
  new Gauge({
    name: 'custos_access_grants_active',
    help: 'Grants in force, by source.',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      const { activeGrants } = await stats();
      this.set({ source: 'approval' }, activeGrants.approval);
      this.set({ source: 'break_glass' }, activeGrants.break_glass);
    },
  });
  gauge('custos_access_requests_pending', 'Access requests waiting for approval.', (s) => s.pendingRequests);
  gauge(
    'custos_access_approval_median_seconds',
    'Median time from access request to grant, over approvals of the last 30 days.',
    (s) => s.medianApprovalSeconds,
  );
  gauge(
    'custos_access_breakglass_uses_30d',
    'Break-glass uses in the last 30 days.',
    (s) => s.breakGlassUses30d,
  );
  gauge(
    'custos_access_breakglass_unreviewed',
    'Break-glass uses security has not reviewed yet.',
    (s) => s.breakGlassUnreviewed,
  );
  gauge(
    'custos_access_breakglass_review_lag_seconds',
    'Age of the oldest break-glass use awaiting review (0 when none waits).',
    (s) => s.breakGlassOldestUnreviewedSeconds,
  );
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the raw URL, keeps label cardinality bounded.
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  return registry;
}
