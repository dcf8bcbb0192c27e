import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type BreakGlassService, createBreakGlass } from './access/breakglass.js';
import { type Catalog, createCatalog, defaultCatalog } from './access/catalog.js';
import { type AccessCheck, createAccessCheck } from './access/check.js';
import { createEmployees, type Employees } from './access/employees.js';
import { createGrants, type Grants } from './access/grants.js';
import { readAccessStats } from './access/metrics.js';
import { type ApprovalPolicy, loadApprovalPolicy } from './access/policy.js';
import { createProtectedSubjects, type ProtectedSubjects } from './access/protected.js';
import { type AccessRequests, createAccessRequests } from './access/requests.js';
import { type AccessReviews, createAccessReviews } from './access/reviews.js';
import { createTickets, type Tickets } from './access/tickets.js';
import { createTrackerConnector, type TrackerConnector } from './access/tracker.js';
import { createTransparency, loadOrCreatePseudonymSecret, type Transparency } from './access/transparency.js';
import { type Api, buildApi } from './api/server.js';
import { createMemoryBus } from './bus/memory.js';
import { deliverWebhook } from './bus/webhook.js';
import { type Clock, systemClock } from './core/clock.js';
import type { Config } from './core/config.js';
import { CustosError, isCustosError } from './core/errors.js';
import type { Bus } from './core/events.js';
import { createLogger, type Logger } from './core/logger.js';
import { type ApiKeys, createApiKeys } from './identity/apikeys.js';
import { createLogin, type Login } from './identity/login.js';
import { createOidc } from './identity/oidc.js';
import { createSessions, type Sessions } from './identity/sessions.js';
import { createUsers, type Users } from './identity/users.js';
import type { Ledger } from './ledger/ledger.js';
import type { NodeReader } from './ledger/merkle.js';
import { consistencyProof } from './ledger/merkle.js';
import { parseVerifierKey } from './ledger/note.key.js';
import { openLocalLedger } from './ledger/open.js';
import { addCosignatures, cosignWithQuorum, createWitnessClient } from './ledger/witness.client.js';
import type { Limiter } from './limits/limiter.js';
import { createMemoryLimiter } from './limits/memory.js';
import { createRedisLimiter } from './limits/redis.js';
import { migrateToLatest } from './store/migrate.js';
import { createOutbox, createOutboxDispatcher, type Outbox, type OutboxDispatcher } from './store/outbox.js';
import { sharedSecret } from './store/secrets.js';
import { openStore, type Store } from './store/store.js';

/** Everything a running Custos is made of, built from one config. */
export interface Custos {
  config: Config;
  clock: Clock;
  logger: Logger;
  store: Store;
  bus: Bus;
  limiter: Limiter;
  outbox: Outbox;
  dispatcher: OutboxDispatcher;
  users: Users;
  sessions: Sessions;
  apiKeys: ApiKeys;
  login: Login;
  ledger: Ledger;
  catalog: Catalog;
  grants: Grants;
  accessCheck: AccessCheck;
  tickets: Tickets;
  employees: Employees;
  protectedSubjects: ProtectedSubjects;
  accessRequests: AccessRequests;
  approvalPolicy: ApprovalPolicy;
  breakGlass: BreakGlassService;
  accessReviews: AccessReviews;
  transparency: Transparency;
  /** The external ticket tracker's connector, when one is configured. */
  tracker: TrackerConnector | undefined;
  api: Api;
  /** Stops accepting requests, drains them, flushes the outbox and closes every backend. */
  close(): Promise<void>;
}

export interface CreateCustosOptions {
  clock?: Clock;
  logger?: Logger;
  /** Apply pending migrations at start (the default); `custos migrate` turns it off. */
  migrate?: boolean;
}

/** The composition root: builds every service from config and wires them by hand. */
export async function createCustos(config: Config, options: CreateCustosOptions = {}): Promise<Custos> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.log);
  // Policies load and validate first: a typo in one fails start-up before anything is opened.
  const approvalPolicy = loadApprovalPolicy(config.access.policyDir);
  const store = await openStore({
    databaseUrl: config.database.url,
    dataDir: config.dataDir,
    schema: config.database.schema,
    poolSize: config.database.poolSize,
  });
  const closers: Array<() => Promise<void>> = [() => store.close()];
  try {
    if (options.migrate !== false) {
      const report = await migrateToLatest(store);
      if (report.applied.length) logger.info({ applied: report.applied }, 'migrations applied');
    }
    const bus = createMemoryBus({ logger });
    closers.unshift(() => bus.close());
    const limiter = config.redis.url
      ? createRedisLimiter({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, clock, logger })
      : createMemoryLimiter({ clock });
    closers.unshift(() => limiter.close());

    const outbox = createOutbox({
      clock,
      routes: [
        { destination: 'bus', topics: ['*'] },
        ...config.webhooks.map((hook) => ({ destination: `webhook:${hook.name}`, topics: hook.topics })),
      ],
    });
    const webhooks = new Map(config.webhooks.map((hook) => [`webhook:${hook.name}`, hook]));
    const dispatcher = createOutboxDispatcher({
      store,
      clock,
      logger,
      deliver: async (destination, event) => {
        if (destination === 'bus') return bus.publish(event);
        const hook = webhooks.get(destination);
        if (!hook) throw new Error(`no destination ${destination} is configured`);
        await deliverWebhook(hook, event, { timeoutMs: config.outbox.deliveryTimeout, nowMs: clock.now() });
      },
      options: {
        pollIntervalMs: config.outbox.pollInterval,
        batchSize: config.outbox.batchSize,
        maxAttempts: config.outbox.maxAttempts,
        backoffBaseMs: config.outbox.backoffBase,
        backoffMaxMs: config.outbox.backoffMax,
        leaseMs: config.outbox.deliveryTimeout * 2,
      },
    });
    closers.unshift(() => dispatcher.stop());

    const users = createUsers({
      store,
      clock,
      outbox,
      passwordPolicy: { minScore: config.auth.passwordMinScore },
    });
    const sessions = createSessions({
      store,
      clock,
      settings: { ttlMs: config.auth.sessionTtl, idleTimeoutMs: config.auth.sessionIdleTimeout },
    });
    const apiKeys = createApiKeys({ store, clock, outbox, touchIntervalMs: config.auth.apiKeyTouchInterval });
    const login = createLogin({
      store,
      clock,
      outbox,
      users,
      sessions,
      limiter,
      throttle: {
        accountFailureLimit: config.auth.accountFailureLimit,
        ipFailureLimit: config.auth.ipFailureLimit,
        windowMs: config.auth.throttleWindow,
      },
    });
    const witnesses = config.ledger.witnesses.map((w) =>
      createWitnessClient({ url: w.url, vkey: parseVerifierKey(w.vkey) }),
    );
    const quorum = config.ledger.witnessQuorum ?? witnesses.length;
    if (quorum > witnesses.length) {
      throw new CustosError(
        'config.invalid',
        `ledger.witnessQuorum ${quorum} exceeds the ${witnesses.length} witnesses`,
      );
    }
    const { ledger, keys } = await openLocalLedger({
      store,
      clock,
      logger,
      origin: config.ledger.origin,
      dir: config.ledger.dir ?? join(config.dataDir, 'ledger'),
      keyFile: config.ledger.keyFile ?? join(config.dataDir, 'keys', 'ledger.skey'),
      tuning: {
        maxDelayMs: config.ledger.maxDelay,
        maxBatch: config.ledger.maxBatch,
        maxGroup: config.ledger.maxGroup,
        maxPending: config.ledger.maxPending,
        tileCacheSize: config.ledger.tileCacheSize,
      },
      // With witnesses, a checkpoint is published only once a quorum of them cosigned it.
      ...(witnesses.length
        ? {
            cosign: async (note: string, _oldSize: number, newSize: number, read: NodeReader) => {
              const result = await cosignWithQuorum({
                witnesses,
                quorum,
                checkpointNote: note,
                proofFrom: (oldSize) => consistencyProof(oldSize, newSize, read),
              });
              return addCosignatures(note, result.cosignatures);
            },
          }
        : {}),
    });
    if (keys.created) logger.info({ vkey: keys.vkey }, 'ledger signing key created');
    closers.unshift(() => ledger.close());

    const catalog = createCatalog(config.access.catalog ?? defaultCatalog);
    const grants = createGrants({ store, clock, catalog });
    const employees = createEmployees({ store, clock });
    const pseudonymKeyFile = join(config.dataDir, 'keys', 'pseudonym.key');
    const storedPseudonymSecret = async () => {
      if (store.dialect !== 'postgres') return loadOrCreatePseudonymSecret(pseudonymKeyFile);
      // A node upgraded from a key file of its own offers that key, so that pseudonyms already
      // shown to users stay the same if it is the first node to start.
      const seed = existsSync(pseudonymKeyFile) ? loadOrCreatePseudonymSecret(pseudonymKeyFile) : undefined;
      const secret = await sharedSecret(store, clock, 'access.transparency.pseudonym', seed);
      if (seed !== undefined && seed !== secret) {
        logger.warn(
          { keyFile: pseudonymKeyFile },
          'this node has its own pseudonym key, but the store already holds another: accessor pseudonyms shown by this node before now will differ from new ones',
        );
      }
      return secret;
    };
    const accessCheck = createAccessCheck({
      grants,
      employees,
      catalog,
      ledger,
      clock,
      disclosure: {
        // Configured, or else one every node of this store agrees on: kept in PostgreSQL, which
        // several nodes share, or beside the SQLite file, which only this node opens.
        pseudonymSecret: config.access.transparency.pseudonymSecret ?? (await storedPseudonymSecret()),
        legalHoldDelayMs: config.access.transparency.legalHoldDelay,
      },
    });
    // Access asks identity only this: which roles a user holds now.
    const rolesOf = (userId: string) =>
      users.get(userId).then(
        (user) => user.roles as string[],
        (error: unknown) => {
          if (isCustosError(error) && error.code === 'resource.not_found') return [];
          throw error;
        },
      );
    const transparency = createTransparency({ store, clock, ledger, rolesOf });
    const tickets = createTickets({ store, clock });
    const protectedSubjects = createProtectedSubjects({ store, clock });
    const tracker = config.access.tracker
      ? createTrackerConnector({ settings: config.access.tracker, tickets, users, store, clock, logger })
      : undefined;
    const accessRequests = createAccessRequests({
      store,
      clock,
      logger,
      catalog,
      grants,
      tickets,
      tracker,
      employees,
      protectedSubjects,
      policy: approvalPolicy,
      ledger,
      outbox,
      rolesOf,
      options: { pendingTtlMs: config.access.requestTtl },
    });
    const breakGlass = createBreakGlass({
      store,
      clock,
      logger,
      catalog,
      grants,
      employees,
      protectedSubjects,
      ledger,
      outbox,
      options: {
        maxDurationMs: config.access.breakGlass.maxDuration,
        maxSubjects: config.access.breakGlass.maxSubjects,
        reviewWithinMs: config.access.breakGlass.reviewWithin,
      },
    });
    const accessReviews = createAccessReviews({
      store,
      clock,
      logger,
      grants,
      users,
      apiKeys,
      employees,
      ledger,
      outbox,
      options: { remindBeforeMs: config.access.reviews.remindBefore },
    });

    const oidc = config.auth.oidc
      ? createOidc({ settings: config.auth.oidc, store, clock, logger, outbox, sessions })
      : undefined;

    const api = await buildApi({
      logger,
      store,
      users,
      sessions,
      apiKeys,
      login,
      oidc,
      ledger,
      catalog,
      accessCheck,
      tickets,
      employees,
      grants,
      protectedSubjects,
      accessRequests,
      approvalPolicy,
      breakGlass,
      accessReviews,
      transparency,
      outboxBacklog: () => dispatcher.backlog(),
      accessStats: () => readAccessStats(store, clock),
      settings: {
        bodyLimit: config.server.bodyLimit,
        trustProxy: config.server.trustProxy,
        publicDocs: config.server.publicDocs,
        cookieSecure: config.auth.cookieSecure,
        sessionTtlMs: config.auth.sessionTtl,
      },
    });
    closers.unshift(() => api.app.close());

    return {
      config,
      clock,
      logger,
      store,
      bus,
      limiter,
      outbox,
      dispatcher,
      users,
      sessions,
      apiKeys,
      login,
      ledger,
      catalog,
      grants,
      accessCheck,
      tickets,
      employees,
      protectedSubjects,
      accessRequests,
      approvalPolicy,
      breakGlass,
      accessReviews,
      transparency,
      tracker,
      api,
      async close() {
        // Order matters: stop taking requests, then finish deliveries, then close backends.
        for (const close of closers) {
          await close().catch((error: unknown) => logger.error({ err: error }, 'error while closing'));
        }
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}
