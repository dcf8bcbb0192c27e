import type { AccessServices } from './access/domain.js';
import { createAccessDomain } from './access/domain.js';
import type { People } from './access/people.js';
import { loadApprovalPolicy } from './access/policy.js';
import { type Api, buildApi } from './api/server.js';
import { type AtoServices, createAtoDomain } from './ato/domain.js';
import { type AtoEngine, createAtoEngine } from './ato/engine.js';
import { createMemoryBus } from './bus/memory.js';
import { createNatsBus } from './bus/nats.js';
import { deliverWebhook } from './bus/webhook.js';
import { type Clock, systemClock } from './core/clock.js';
import type { Config } from './core/config.js';
import { isCustosError } from './core/errors.js';
import type { Bus } from './core/events.js';
import { createJobs } from './core/jobs.js';
import { createLogger, type Logger } from './core/logger.js';
import { createDetectDomain, type DetectServices } from './detect/domain.js';
import { createEventIntake, type EventIntake } from './detect/intake.js';
import { loadOcsfSchema } from './detect/ocsf.js';
import { createDiscoveryDomain, type DiscoveryServices } from './discovery/domain.js';
import { createIdentityDomain, type IdentityServices } from './identity/domain.js';
import { type Permission, type Role, rolesAllow } from './identity/roles.js';
import { appendEventRecord } from './ledger/events.js';
import type { Ledger } from './ledger/ledger.js';
import { openConfiguredLedger } from './ledger/open.js';
import { createMemoryCounters } from './limits/counters.memory.js';
import { createRedisCounters } from './limits/counters.redis.js';
import type { Limiter } from './limits/limiter.js';
import { createMemoryLimiter } from './limits/memory.js';
import { createFailoverRates, createMemoryRates } from './limits/rates.js';
import { createRedisRates } from './limits/rates.redis.js';
import { createRedisLimiter } from './limits/redis.js';
import { migrateToLatest } from './store/migrate.js';
import {
  createOutbox,
  createOutboxDispatcher,
  ledgerDestination,
  type Outbox,
  type OutboxDispatcher,
} from './store/outbox.js';
import { openStore, type Store } from './store/store.js';

/** Everything a running Custos is made of, built from one config. */
export type Custos = {
  config: Config;
  clock: Clock;
  logger: Logger;
  store: Store;
  bus: Bus;
  limiter: Limiter;
  outbox: Outbox;
  dispatcher: OutboxDispatcher;
  ledger: Ledger;
  /** The takeover defence's scoring parts (enrichment, model, rules). */
  atoEngine: AtoEngine;
  api: Api;
  /** The platform's events in (POST /v1/events). */
  eventIntake: EventIntake;
  /** Starts the background work of a serving node: outbox deliveries, sweeps, refreshes. */
  start(): void;
  /** Stops accepting requests and background work, drains, and closes every backend. */
  close(): Promise<void>;
} & IdentityServices &
  AccessServices &
  AtoServices &
  DiscoveryServices &
  DetectServices;

export interface CreateCustosOptions {
  clock?: Clock;
  logger?: Logger;
  /** Apply pending migrations at start (the default); `custos migrate` turns it off. */
  migrate?: boolean;
}

/**
 * What access may know of Custos's own users and keys, answered by identity: the one place the
 * two domains meet.
 */
function peopleFrom(identity: IdentityServices): People {
  const { users, apiKeys } = identity;
  return {
    rolesOf: (userId) =>
      users.get(userId).then(
        (user) => (user.disabledAt === null ? user.roles : []),
        (error: unknown) => {
          if (isCustosError(error, 'resource.not_found')) return [];
          throw error;
        },
      ),
    isActive: (userId) => users.isActive(userId),
    allows: (roles, permission) => rolesAllow(roles as Role[], permission as Permission),
    findActiveByUsername: async (username) => {
      const row = await users.findForLogin(username);
      return row && row.disabled_at === null ? { id: row.id } : undefined;
    },
    list: () => users.list(),
    get: (id) => users.get(id),
    removeRole: (id, role, actorId) => users.removeRole(id, role, actorId),
    listApiKeys: () => apiKeys.list(),
    revokeApiKey: (id, actorId) => apiKeys.revoke(id, actorId),
  };
}

/** The composition root: each domain is built by its own wiring function, and wired here by hand. */
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
    clock,
  });
  // Closed in reverse order of opening: stop taking requests, finish deliveries, close backends.
  const closers: Array<() => Promise<void>> = [() => store.close()];
  try {
    if (options.migrate !== false) {
      const report = await migrateToLatest(store);
      if (report.applied.length) logger.info({ applied: report.applied }, 'migrations applied');
    }
    const bus = config.nats.url
      ? await createNatsBus({
          logger,
          servers: config.nats.url.split(',').map((url) => url.trim()),
          stream: config.nats.stream,
          subjectPrefix: config.nats.subjectPrefix,
          partitions: config.nats.partitions,
          maxAgeMs: config.nats.maxAge,
          duplicateWindowMs: config.nats.duplicateWindow,
          replicas: config.nats.replicas,
          ackWaitMs: config.nats.ackWait,
        })
      : createMemoryBus({ logger });
    closers.unshift(() => bus.close());
    const limiter = config.redis.url
      ? createRedisLimiter({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, clock, logger })
      : createMemoryLimiter({ clock });
    closers.unshift(() => limiter.close());

    const { ledger } = await openConfiguredLedger({
      settings: config.ledger,
      dataDir: config.dataDir,
      store,
      clock,
      logger,
    });
    closers.unshift(() => ledger.close());

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
        if (destination === ledgerDestination) {
          await appendEventRecord(ledger, event);
          return;
        }
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

    const identity = createIdentityDomain({ config, store, clock, logger, outbox, limiter });
    const access = await createAccessDomain({
      config,
      store,
      clock,
      logger,
      outbox,
      ledger,
      approvalPolicy,
      people: peopleFrom(identity.services),
      publish: (event) => bus.publish(event),
    });

    // Disabling a person ends, in the same transaction, what they hold in access.
    identity.onUserDisabled((tx, userId, by) => access.services.offboarding.personDisabled(tx, userId, by));

    // The takeover defence counts on Redis when there is one, so every node sees every attempt;
    // its memory counters answer while Redis does not (ato.countersUnavailable).
    const counters = config.redis.url
      ? createRedisCounters({ url: config.redis.url, keyPrefix: `${config.redis.keyPrefix}ato:`, logger })
      : createMemoryCounters();
    const localCounters = createMemoryCounters();
    closers.unshift(() => Promise.all([counters.close(), localCounters.close()]).then(() => undefined));
    const atoEngine = createAtoEngine({ config: config.ato, counters, localCounters });
    const ato = await createAtoDomain({ config, store, clock, logger, outbox, ledger, engine: atoEngine });

    // Contact discovery limits on Redis when there is one, shared by every node; with
    // discovery.limitsUnavailable `local`, this node's memory answers while Redis does not.
    const sharedRates = config.redis.url
      ? createRedisRates({ url: config.redis.url, keyPrefix: `${config.redis.keyPrefix}discovery:`, logger })
      : undefined;
    const rates = !sharedRates
      ? createMemoryRates()
      : config.discovery.limitsUnavailable === 'local'
        ? createFailoverRates({ primary: sharedRates, fallback: createMemoryRates() })
        : sharedRates;
    closers.unshift(() => rates.close());
    const discovery = await createDiscoveryDomain({
      config,
      store,
      clock,
      logger,
      ledger,
      rates,
      publish: (event) => bus.publish(event),
    });

    const eventIntake = createEventIntake({
      schema: loadOcsfSchema(),
      clock,
      settings: { maxAgeMs: config.events.maxAge, maxAheadMs: config.events.maxAhead },
      publish: (event) => bus.publish(event),
    });

    // Every event on the bus through the rules and baselines; alerts kept with their records.
    const detect = await createDetectDomain({ store, ledger, clock, logger, bus });
    await detect.start();
    closers.unshift(() => detect.stop());

    const api = await buildApi({
      logger,
      clock,
      store,
      ledger,
      identity: identity.services,
      access: access.services,
      ato: { ...ato.services, batchMax: config.ato.batchMax },
      discovery: {
        ...discovery.services,
        batchMax: config.discovery.batchMax,
        dumpMaxBytes: config.discovery.dumpMaxBytes,
      },
      events: { eventIntake, batchMax: config.events.batchMax },
      outboxBacklog: () => dispatcher.backlog(),
      settings: {
        bodyLimit: config.server.bodyLimit,
        trustProxy: config.server.trustProxy,
        publicDocs: config.server.publicDocs,
        cookieSecure: config.auth.cookieSecure,
        sessionTtlMs: config.auth.sessionTtl,
      },
    });
    // Counted checks reach the store once requests have drained (see access/check.counts.ts).
    closers.unshift(() => access.services.checkCounts.flush());
    // Histories, counts and the model's state reach the store once requests have drained.
    closers.unshift(() => ato.flush());
    closers.unshift(() => discovery.flush());
    closers.unshift(() => api.app.close());
    const jobs = createJobs([...identity.jobs, ...access.jobs, ...ato.jobs, ...discovery.jobs], logger);
    closers.unshift(() => jobs.stop());

    return {
      config,
      clock,
      logger,
      store,
      bus,
      limiter,
      outbox,
      dispatcher,
      ledger,
      atoEngine,
      api,
      ...identity.services,
      ...access.services,
      ...ato.services,
      ...discovery.services,
      eventIntake,
      ...detect.services,
      start() {
        dispatcher.start();
        jobs.start();
      },
      async close() {
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
