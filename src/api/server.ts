import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import helmet from 'helmet';
import type { AccessServices } from '../access/domain.js';
import type { AtoServices } from '../ato/domain.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { EventIntake } from '../detect/intake.js';
import type { DiscoveryServices } from '../discovery/domain.js';
import type { IdentityServices } from '../identity/domain.js';
import { createLedgerExplorer } from '../ledger/explore.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Store } from '../store/store.js';
import { type Access, type DeclaredRoute, registerGuard } from './auth.js';
import { registerConsole } from './console.js';
import { registerErrorHandling } from './errors.js';
import { createMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { createReadiness } from './readiness.js';
import { apiKeysRoutes } from './routes/apikeys.routes.js';
import { atoRoutes } from './routes/ato.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { breakGlassRoutes } from './routes/breakglass.routes.js';
import { catalogRoutes } from './routes/catalog.routes.js';
import { checkRoutes } from './routes/check.routes.js';
import { discoveryAttributionRoutes } from './routes/discovery.attributions.routes.js';
import { discoveryRoutes } from './routes/discovery.routes.js';
import { employeesRoutes } from './routes/employees.routes.js';
import { eventsRoutes } from './routes/events.routes.js';
import { grantsRoutes } from './routes/grants.routes.js';
import { ledgerEntriesRoutes } from './routes/ledger.entries.routes.js';
import { ledgerRoutes } from './routes/ledger.routes.js';
import { overviewRoutes } from './routes/overview.routes.js';
import { policiesRoutes } from './routes/policies.routes.js';
import { protectedRoutes } from './routes/protected.routes.js';
import { requestsRoutes } from './routes/requests.routes.js';
import { reviewsRoutes } from './routes/reviews.routes.js';
import { systemRoutes } from './routes/system.routes.js';
import { ticketsRoutes } from './routes/tickets.routes.js';
import { transparencyRoutes } from './routes/transparency.routes.js';
import { usersRoutes } from './routes/users.routes.js';
import type { App } from './types.js';

export interface ApiSettings {
  bodyLimit: number;
  trustProxy: boolean;
  publicDocs: boolean;
  cookieSecure: 'auto' | 'always' | 'never';
  sessionTtlMs: number;
  /** The built console; `dist/web` of this package when absent. */
  consoleDir?: string;
}

export interface ApiDeps {
  logger: Logger;
  clock: Clock;
  store: Pick<Store, 'ping' | 'outage' | 'fullSince' | 'db'>;
  ledger: Ledger;
  identity: IdentityServices;
  access: AccessServices;
  ato: AtoServices & { batchMax: number };
  discovery: DiscoveryServices & { batchMax: number; dumpMaxBytes: number };
  events: { eventIntake: EventIntake; batchMax: number };
  outboxBacklog: () => Promise<{ pending: number; dead: number }>;
  settings: ApiSettings;
}

export interface Api {
  app: App;
  /** Every route with its declared access rule, for the role-matrix test and the docs. */
  routes: DeclaredRoute[];
}

// A client may pass its own request id for tracing, but only in a harmless shape.
const requestIdPattern = /^[A-Za-z0-9._:-]{8,64}$/;

/** Builds the Fastify app with every route; call `app.ready()` or `app.listen()` after. */
export async function buildApi(deps: ApiDeps): Promise<Api> {
  const fastify = Fastify({
    // pino's Logger and Fastify's logger type differ only in optional members.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.settings.bodyLimit,
    trustProxy: deps.settings.trustProxy,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : `rid_${randomUUID()}`;
    },
    return503OnClosing: true,
    routerOptions: { maxParamLength: 128 },
  });
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, { outage: (error) => deps.store.outage(error) });
  // JSON only: a cross-site form can send text/plain without a preflight, JSON it cannot.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Security headers from helmet on every response, refusals included. The middleware is built
  // once: the Fastify plugin rebuilt it, parsing every CSP directive, on each request.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  app.addHook('onRequest', (request, reply, done) => {
    // helmet's callback is Connect's `next(err?)`; it only ever passes an Error, or nothing.
    securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
  // Cookies must be parsed before the guard's hook reads the session cookie.
  await app.register(cookie);
  const docsAccess: Access = deps.settings.publicDocs ? { public: true } : { permission: 'session.self' };
  const routes = registerGuard(app, {
    sessions: deps.identity.sessions,
    apiKeys: deps.identity.apiKeys,
    pluginAccess: { '/docs': docsAccess, '/openapi.json': docsAccess, '/assets/': { public: true } },
  });

  const { identity, access } = deps;
  const metrics = createMetrics(app, {
    outboxBacklog: deps.outboxBacklog,
    accessStats: access.accessStats,
    checkCounts: () => access.accessCheck.counts(),
  });
  // Before the routes: the OpenAPI plugin documents only routes registered after it.
  await registerOpenApi(app, { docsAccess });
  systemRoutes(app, {
    readiness: createReadiness({ store: deps.store, ledger: deps.ledger, clock: deps.clock }),
    metrics,
  });
  authRoutes(app, {
    login: identity.login,
    sessions: identity.sessions,
    users: identity.users,
    oidc: identity.oidc,
    cookies: { mode: deps.settings.cookieSecure, ttlMs: deps.settings.sessionTtlMs },
  });
  usersRoutes(app, { users: identity.users });
  apiKeysRoutes(app, { apiKeys: identity.apiKeys });
  ledgerRoutes(app, { ledger: deps.ledger });
  ledgerEntriesRoutes(app, {
    ledgerExplorer: createLedgerExplorer({ store: deps.store, ledger: deps.ledger }),
  });
  catalogRoutes(app, access);
  policiesRoutes(app, access);
  checkRoutes(app, access);
  employeesRoutes(app, access);
  ticketsRoutes(app, access);
  protectedRoutes(app, access);
  requestsRoutes(app, access);
  grantsRoutes(app, access);
  breakGlassRoutes(app, access);
  reviewsRoutes(app, access);
  transparencyRoutes(app, access);
  atoRoutes(app, deps.ato);
  discoveryRoutes(app, deps.discovery);
  discoveryAttributionRoutes(app, deps.discovery);
  eventsRoutes(app, deps.events);
  overviewRoutes(app, { accessOverview: access.accessOverview, ledger: deps.ledger, clock: deps.clock });
  await registerConsole(app, deps.settings.consoleDir ? { dir: deps.settings.consoleDir } : {});
  return { app, routes };
}
