import type { Clock } from '../core/clock.js';
import type { AtoConfig } from '../core/config.ato.js';
import { createMemoryCounters } from '../limits/counters.memory.js';
import { createAssess } from './assess.js';
import { createAtoEngine } from './engine.js';
import type { AccountHistory, Assessor } from './types.js';

/**
 * The assessment without a store or ledger, for replaying a log offline (`custos ato eval`): the
 * same engine and the same combiner as the server, with memory counters and histories held in
 * memory for the whole replay. Nothing is recorded, because replayed decisions are measurements,
 * not decisions anyone acted on. Memory grows with the accounts in the log (about 0.5-5 kB each).
 */
export function createReplayAssessor(deps: { config: AtoConfig; clock: Clock }): Assessor & {
  close(): Promise<void>;
  accounts(): number;
} {
  // The counters' key cap is sized for a whole log, not for one node's working set.
  const counters = createMemoryCounters({ maxKeys: 5_000_000 });
  const engine = createAtoEngine({ config: deps.config, counters, localCounters: counters });
  const histories = new Map<string, AccountHistory>();
  const assess = createAssess({
    clock: deps.clock,
    // Replayed times are the log's: no skew check against this machine's clock, no dedupe cache.
    config: { ...deps.config, clockSkew: Number.MAX_SAFE_INTEGER, dedupeCache: 0 },
    enrich: engine.enrich,
    score: engine.score,
    rules: engine.rules,
    localRules: engine.localRules,
    observe: engine.observe,
    histories: {
      get: async (account) => histories.get(account),
      put: (history) => void histories.set(history.account, history),
      // Events are assessed one at a time in log order, so nothing runs concurrently.
      exclusive: (_account, work) => work(),
    },
    record: async () => 0,
    tallies: { record: () => undefined },
    respond: async () => undefined,
  });
  return {
    assess: async (event, facts) => (await assess.assess(event, 'replay', facts)).assessment,
    close: () => counters.close(),
    accounts: () => histories.size,
  };
}
