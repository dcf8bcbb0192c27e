/** The Sigma-subset rule engine (docs/rules.md): load rules, then match events on their own time. */
export { createRuleEngine, engineDefaults, type RuleEngine } from './engine.js';
export { type LoadResult, loadRuleSources, loadRules, type RuleSource } from './load.js';
export { classByCategory, platformClass } from './logsource.js';
export type { CompiledCorrelation, CompiledDetection, CompiledRule } from './ruleset.js';
export type {
  AttackTags,
  EngineOptions,
  EngineStats,
  Level,
  RuleInfo,
  RuleIssue,
  RuleMatch,
} from './types.js';
