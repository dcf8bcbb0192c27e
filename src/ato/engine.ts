import type { AssessDeps, RuleEngine } from './assess.js';
import type { HistoryCodec } from './history.store.js';

/**
 * The scoring parts of the takeover defence, with no store or ledger: enrichment, the statistical
 * model with its global distribution, the rules on their counters, and how histories learn. The
 * server, `custos ato eval` and `custos sim ato` each build one and wrap it differently.
 */
export interface AtoEngine {
  enrich: AssessDeps['enrich'];
  score: AssessDeps['score'];
  observe: AssessDeps['observe'];
  codec: HistoryCodec;
  rules: RuleEngine;
  /** The same rules on this node's memory counters, for when the shared counters do not answer. */
  localRules: RuleEngine;
  global: {
    /** The global distribution as text, for a snapshot. */
    save(): string;
    /** Restores a snapshot; false when it does not parse (the distribution is left empty). */
    load(state: string): boolean;
  };
}
