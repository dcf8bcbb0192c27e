import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Job } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import { createAccountStates } from '../store/account-state.js';
import type { Outbox } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import { createHourlyTallies } from '../store/tallies.js';
import { createAssess } from './assess.js';
import { createDecisionQueries, recordDecision } from './decisions.js';
import type { AtoEngine } from './engine.js';
import { createResponder } from './response.js';
import { createTakeovers } from './takeovers.js';
import type { AccountHistory } from './types.js';

/** How often a node adds its assessment counts to the store. */
export const atoCountFlushMs = 60_000;
const modelStateName = 'global-distribution';

/**
 * The takeover defence built from the `ato.*` settings: assessments recorded on the ledger,
 * account histories written behind, confirmed takeovers, and the console's queries.
 */
export async function createAtoDomain(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  outbox: Outbox;
  ledger: Ledger;
  engine: AtoEngine;
}) {
  const { config, store, clock, logger, outbox, ledger, engine } = deps;
  const settings = config.ato;
  const histories = createAccountStates<AccountHistory>({
    table: 'ato_accounts',
    column: 'history',
    store,
    clock,
    logger,
    codec: engine.codec,
    cacheSize: settings.historyCache,
  });
  const tallies = createHourlyTallies({ store, table: 'ato_decision_counts' });
  const decisions = createDecisionQueries({ store, ledger });

  // What the model knew of the world before this start.
  const saved = await store.db
    .selectFrom('ato_model_state')
    .select('state')
    .where('name', '=', modelStateName)
    .executeTakeFirst();
  if (saved && !engine.global.load(saved.state)) {
    logger.warn('the saved global distribution does not parse; the model starts from nothing');
  }

  async function saveModelState(): Promise<void> {
    const state = engine.global.save();
    const now = clock.now();
    await store.db
      .insertInto('ato_model_state')
      .values({ name: modelStateName, state, updated_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ state, updated_at: now }))
      .execute();
  }

  const atoAssess = createAssess({
    clock,
    config: settings,
    enrich: engine.enrich,
    score: engine.score,
    rules: engine.rules,
    localRules: engine.localRules,
    observe: engine.observe,
    histories,
    record: (id, body) => recordDecision(ledger, id, body),
    tallies,
    respond: createResponder({ store, outbox, clock }),
  });
  const atoTakeovers = createTakeovers({ store, ledger, outbox, clock, histories, decisions });

  const jobs: Job[] = [
    { name: 'ato.histories.flush', intervalMs: settings.historyFlushInterval, run: () => histories.flush() },
    { name: 'ato.counts.flush', intervalMs: atoCountFlushMs, run: () => tallies.flush() },
    { name: 'ato.model.snapshot', intervalMs: settings.modelSnapshotInterval, run: saveModelState },
  ];

  return {
    services: { atoAssess, atoTakeovers, atoDecisions: decisions, atoTallies: tallies },
    jobs,
    /** Writes what is held in memory: histories, counts and the model's state. */
    async flush(): Promise<void> {
      await histories.flush();
      await tallies.flush();
      await saveModelState();
    },
    stats: () => histories.stats(),
  };
}

export type AtoDomain = Awaited<ReturnType<typeof createAtoDomain>>;
export type AtoServices = AtoDomain['services'];
