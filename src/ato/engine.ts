import type { AtoConfig } from '../core/config.ato.js';
import type { Counters } from '../limits/counters.js';
import type { StateCodec } from '../store/account-state.js';
import type { AssessDeps, RuleEngine } from './assess.js';
import { createEnricher } from './enrich.js';
import { createRiskModel } from './model.service.js';
import { createRules } from './rules.js';
import type { AccountHistory } from './types.js';

/**
 * The scoring parts of the takeover defence, with no store or ledger: enrichment, the statistical
 * model with its global distribution, the rules on their counters, and how histories learn. The
 * server, `custos ato eval` and `custos sim ato` each build one and wrap it differently.
 */
export interface AtoEngine {
  enrich: AssessDeps['enrich'];
  score: AssessDeps['score'];
  observe: AssessDeps['observe'];
  codec: StateCodec<AccountHistory>;
  rules: RuleEngine;
  /** The same rules on this node's memory counters, for when the shared counters do not answer. */
  localRules: RuleEngine;
  global: {
    /** The global distribution as text, for a snapshot. */
    save(): string;
    /** Restores a snapshot; false when it does not parse (the distribution is left empty). */
    load(state: string): boolean;
  };
  /** Loads the IP data now rather than on the first public address. */
  preload(): void;
  /** IPv4 ranges of a network, for the simulator. */
  asnRanges(asn: number): Array<[string, string]>;
}

/** Builds the engine from the `ato` settings, with the shared counters and this node's own. */
export function createAtoEngine(deps: {
  config: AtoConfig;
  /** Shared counters (Redis in production); memory counters on a single node. */
  counters: Pick<Counters, 'run'>;
  /** This node's memory counters, answering while the shared ones do not. */
  localCounters: Pick<Counters, 'run'>;
}): AtoEngine {
  const { config } = deps;
  const enricher = createEnricher({ config: config.enrich });
  const model = createRiskModel(config.model);
  return {
    enrich: (event, facts) => enricher.enrich(event, facts),
    score: model.score,
    observe: model.observe,
    codec: model.codec,
    global: model.global,
    rules: createRules({ counters: deps.counters, config: config.rules }),
    localRules: createRules({ counters: deps.localCounters, config: config.rules }),
    preload: () => enricher.preload(),
    asnRanges: (asn) => enricher.asnRanges(asn),
  };
}
