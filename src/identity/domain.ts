import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Job } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import type { Limiter } from '../limits/limiter.js';
import type { Outbox } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import { createApiKeys } from './apikeys.js';
import { createLogin } from './login.js';
import { createOidc } from './oidc.js';
import { createSessions } from './sessions.js';
import { createUsers, type DisableHook } from './users.js';

/** Custos's own callers, built from config: users, sessions, API keys, sign-in and OIDC. */
export function createIdentityDomain(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  outbox: Outbox;
  limiter: Limiter;
}) {
  const { config, store, clock, logger, outbox, limiter } = deps;
  // Filled below and by the composition root: what else ends in the transaction disabling a person.
  const onDisable: DisableHook[] = [];
  const users = createUsers({
    store,
    clock,
    outbox,
    onDisable,
    passwordPolicy: { minScore: config.auth.passwordMinScore },
  });
  const sessions = createSessions({
    store,
    clock,
    settings: { ttlMs: config.auth.sessionTtl, idleTimeoutMs: config.auth.sessionIdleTimeout },
  });
  const apiKeys = createApiKeys({ store, clock, outbox, touchIntervalMs: config.auth.apiKeyTouchInterval });
  onDisable.push((tx, userId, by) => apiKeys.revokeCreatedBy(tx, userId, by));
  const login = createLogin({
    store,
    clock,
    outbox,
    users,
    sessions,
    limiter,
    logger,
    throttle: {
      accountFailureLimit: config.auth.accountFailureLimit,
      ipFailureLimit: config.auth.ipFailureLimit,
      windowMs: config.auth.throttleWindow,
    },
  });
  const oidc = config.auth.oidc
    ? createOidc({ settings: config.auth.oidc, store, clock, logger, outbox, sessions })
    : undefined;
  const jobs: Job[] = [
    // Ended sessions are kept a day for investigation, then deleted; hourly is often enough.
    { name: 'session pruning', intervalMs: 3_600_000, run: () => sessions.prune() },
  ];
  return {
    services: { users, sessions, apiKeys, login, oidc },
    jobs,
    /** Adds work to the transaction that disables a person (another domain's offboarding). */
    onUserDisabled(hook: DisableHook): void {
      onDisable.push(hook);
    },
  };
}

export type IdentityServices = ReturnType<typeof createIdentityDomain>['services'];
