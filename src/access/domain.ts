import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { CustosEvent } from '../core/events.js';
import type { Job } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Outbox } from '../store/outbox.js';
import { sharedSecret } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { type BreakGlassService, createBreakGlass } from './breakglass.js';
import { createBreakGlassReview } from './breakglass.review.js';
import { createCatalog, defaultCatalog } from './catalog.js';
import { checkCountFlushMs, createCheckCounts } from './check.counts.js';
import { type AnsweredCheck, createAccessCheck } from './check.js';
import { createEmployees } from './employees.js';
import { createGrants } from './grants.js';
import { readAccessStats } from './metrics.js';
import { createOffboarding } from './offboarding.js';
import { createAccessOverview } from './overview.js';
import type { People } from './people.js';
import type { ApprovalPolicy } from './policy.js';
import { createLiveApprovalPolicy, createPolicyVersions, policyRefreshIntervalMs } from './policy.store.js';
import { createProtectedSubjects } from './protected.js';
import { accessReadEvent, createReadContext } from './reads.js';
import { createAccessRequests } from './requests.js';
import { createAccessReviews } from './reviews.js';
import { createGrantRevocations } from './revocations.js';
import { createSubjectIds } from './subjects.js';
import { createTickets } from './tickets.js';
import { createTrackerConnector } from './tracker.js';
import { createTransparency, loadOrCreatePseudonymSecret } from './transparency.js';

/**
 * The secret behind accessor pseudonyms when none is configured: one every node of this store
 * agrees on, kept in PostgreSQL (which several nodes share) or beside the SQLite file (which only
 * this node opens).
 */
async function storedPseudonymSecret(deps: {
  store: Store;
  clock: Clock;
  logger: Logger;
  dataDir: string;
}): Promise<string> {
  const keyFile = join(deps.dataDir, 'keys', 'pseudonym.key');
  if (deps.store.dialect !== 'postgres') return loadOrCreatePseudonymSecret(keyFile);
  // A node upgraded from a key file of its own offers that key, so that pseudonyms already
  // shown to users stay the same if it is the first node to start.
  const seed = existsSync(keyFile) ? loadOrCreatePseudonymSecret(keyFile) : undefined;
  const secret = await sharedSecret(deps.store, deps.clock, 'access.transparency.pseudonym', seed);
  if (seed !== undefined && seed !== secret) {
    deps.logger.warn(
      { keyFile },
      'this node has its own pseudonym key, but the store already holds another: accessor pseudonyms shown by this node before now will differ from new ones',
    );
  }
  return secret;
}

/**
 * No standing access to user data, built from the `access.*` settings: catalog, registries,
 * requests and approvals, grants, break-glass, reviews, the access check and transparency.
 */
export async function createAccessDomain(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  outbox: Outbox;
  ledger: Ledger;
  /** The approval policies, loaded before anything was opened so a typo fails start-up first. */
  approvalPolicy: ApprovalPolicy;
  /** Custos's own users and keys, as the identity module answers through app.ts. */
  people: People;
  /** Puts an event on the bus; every logged check is announced there for detection. */
  publish?: (event: CustosEvent) => Promise<void>;
}) {
  const { config, store, clock, logger, outbox, ledger, people } = deps;
  // Decisions ask this wrapper, so a policy saved through the API applies to the next one.
  const approvalPolicy = createLiveApprovalPolicy(deps.approvalPolicy);
  const policyVersions = createPolicyVersions({ store, clock, outbox, logger, live: approvalPolicy });
  await policyVersions.refresh();
  const settings = config.access;
  const subjectIds = createSubjectIds(settings.subjectIdCase);
  const catalog = createCatalog(settings.catalog ?? defaultCatalog);
  const grants = createGrants({ store, clock, catalog, outbox, subjectIds });
  const employees = createEmployees({
    store,
    clock,
    subjectIds,
    options: {
      maxOnCallAheadMs: settings.employees.maxOnCallAhead,
      maxSyncEntries: settings.employees.maxSyncEntries,
    },
  });
  const checkCounts = createCheckCounts({ store });
  const protectedRegistry = createProtectedSubjects({ store, clock, subjectIds });
  const readContext = createReadContext({
    clock,
    teamOf: async (actor) => (await employees.find(actor))?.team ?? null,
    roleOf: async (actor) => (await people.rolesOf(actor))[0] ?? null,
    protectedList: () => protectedRegistry.ids(),
  });
  // A change to the protected list reaches this node's detection at once, other nodes' within
  // readContextTtlMs.
  const protectedSubjects: typeof protectedRegistry = {
    ...protectedRegistry,
    async put(...args) {
      const added = await protectedRegistry.put(...args);
      readContext.forget();
      return added;
    },
    async remove(...args) {
      await protectedRegistry.remove(...args);
      readContext.forget();
    },
  };

  /** Tells the bus of a logged check, with what the registries say of its actor and subject. */
  async function announce(check: AnsweredCheck, publish: (event: CustosEvent) => Promise<void>) {
    try {
      const context = await readContext.of(check.actor, check.subject);
      await publish(accessReadEvent(check, context, clock));
    } catch (error) {
      logger.warn({ err: error, check: check.checkId }, 'an access check did not reach the bus');
    }
  }

  const { publish } = deps;
  const accessCheck = createAccessCheck({
    ...(publish ? { answered: (check: AnsweredCheck) => void announce(check, publish) } : {}),
    counts: checkCounts,
    grants,
    employees,
    people,
    subjectIds,
    catalog,
    ledger,
    clock,
    disclosure: {
      pseudonymSecret:
        settings.transparency.pseudonymSecret ??
        (await storedPseudonymSecret({ store, clock, logger, dataDir: config.dataDir })),
      legalHoldDelayMs: settings.transparency.legalHoldDelay,
    },
  });
  const transparency = createTransparency({ store, clock, ledger, subjectIds, rolesOf: people.rolesOf });
  const tickets = createTickets({ store, clock, grants, subjectIds });
  const tracker = settings.tracker
    ? createTrackerConnector({ settings: settings.tracker, tickets, people, store, clock, logger })
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
    people,
    subjectIds,
    options: { pendingTtlMs: settings.requestTtl },
  });
  const breakGlassDeps = {
    store,
    clock,
    logger,
    catalog,
    grants,
    employees,
    protectedSubjects,
    ledger,
    outbox,
    people,
    subjectIds,
    options: {
      maxDurationMs: settings.breakGlass.maxDuration,
      maxSubjects: settings.breakGlass.maxSubjects,
      reviewWithinMs: settings.breakGlass.reviewWithin,
      windowMs: settings.breakGlass.window,
      maxUsesPerWindow: settings.breakGlass.maxUsesPerWindow,
      maxSubjectsPerWindow: settings.breakGlass.maxSubjectsPerWindow,
    },
  };
  const breakGlass: BreakGlassService = {
    ...createBreakGlass(breakGlassDeps),
    ...createBreakGlassReview(breakGlassDeps),
  };
  const accessReviews = createAccessReviews({
    store,
    clock,
    logger,
    grants,
    people,
    employees,
    ledger,
    outbox,
    options: { remindBeforeMs: settings.reviews.remindBefore },
  });
  const grantRevocations = createGrantRevocations({ store, grants, people });
  const offboarding = createOffboarding({ clock, outbox, grants });
  const jobs: Job[] = [
    // Another node's saved policy version takes effect here within this interval.
    {
      name: 'approval policy refresh',
      intervalMs: policyRefreshIntervalMs,
      run: () => policyVersions.refresh(),
    },
    // Break-glass uses nobody reviewed in time are escalated; review campaigns past their
    // deadline are closed, revoking what nobody confirmed. Every node may sweep.
    {
      name: 'break-glass sweep',
      intervalMs: settings.breakGlass.sweepInterval,
      run: () => breakGlass.sweep(),
    },
    {
      name: 'access review sweep',
      intervalMs: settings.breakGlass.sweepInterval,
      run: () => accessReviews.sweep(),
    },
    // Check counts reach the store once a minute rather than once per check; app.ts flushes
    // the rest on close.
    { name: 'check count flush', intervalMs: checkCountFlushMs, run: () => checkCounts.flush() },
  ];
  if (tracker && settings.tracker) {
    // Tickets behind grants in force are re-read, so closing one in the tracker revokes its
    // grants here within the refresh interval.
    jobs.push({
      name: 'ticket refresh',
      intervalMs: settings.tracker.refreshInterval,
      run: () => tracker.refreshActive(),
    });
  }
  return {
    services: {
      catalog,
      grants,
      grantRevocations,
      offboarding,
      subjectIds,
      accessCheck,
      tickets,
      employees,
      protectedSubjects,
      accessRequests,
      approvalPolicy,
      policyVersions,
      breakGlass,
      accessReviews,
      transparency,
      /** The external ticket tracker's connector, when one is configured. */
      tracker,
      accessStats: () => readAccessStats(store, clock),
      checkCounts,
      accessOverview: createAccessOverview({ store, clock, checkCounts }),
    },
    jobs,
  };
}

export type AccessServices = Awaited<ReturnType<typeof createAccessDomain>>['services'];
