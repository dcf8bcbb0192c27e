/**
 * The public shapes of the Sigma-subset rule engine: what a rule file may be wrong about, what a
 * loaded rule says of itself, and what the engine answers for an event. docs/rules.md describes
 * the subset.
 */

/**
 * A problem with a rule file, at a place in it. `feature` names the Sigma feature outside our
 * subset when that is the reason (`windash`, `value_sum`, …), so refusals can be counted by kind.
 */
export interface RuleIssue {
  file: string;
  /** 1-based line of the YAML node at fault. */
  line: number;
  /** 1-based column of that node, when known. */
  column?: number;
  message: string;
  feature?: string;
}

/** Sigma's `level`, from least to most urgent. */
export const levels = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof levels)[number];

/** MITRE ATT&CK references read from a rule's `attack.*` tags. */
export interface AttackTags {
  /** Tactic short names as ATT&CK spells them: `credential-access`. */
  tactics: string[];
  /** Technique and sub-technique ids: `T1110`, `T1110.003`. */
  techniques: string[];
  /** Groups (`G0016`) and software (`S0002`). */
  groups: string[];
  software: string[];
}

/** What every loaded rule says of itself; the same fields travel in each match. */
export interface RuleInfo {
  /** The rule's reference: its `id`, else its `name`, else `file#document`. Unique in a rule set. */
  key: string;
  id?: string;
  name?: string;
  title: string;
  level: Level;
  status?: string;
  /**
   * The rule's authors. The Detection Rule License of SigmaHQ rules asks that messages based on
   * a match keep it, so every match carries it.
   */
  author?: string;
  tags: string[];
  attack: AttackTags;
  file: string;
  line: number;
}

/** One event's worth of findings of one rule. */
export interface RuleMatch {
  kind: 'detection' | 'correlation';
  rule: RuleInfo;
  /** Event time of the match: the event's own, or for a correlation, of the event that completed it. */
  time: number;
  /** `metadata.uid` of the evidence events, oldest first, at most `maxEvidence` of them. */
  eventIds: string[];
  /** For a correlation: its group-by fields and their values. */
  group?: Record<string, string>;
  /** For a correlation: the count its condition was tested on (events, distinct values or rules). */
  count?: number;
}

/** Counters of an engine since it was built; all grow monotonically but `openGroups`. */
export interface EngineStats {
  events: number;
  /** Events that were not JSON objects: skipped. */
  malformed: number;
  detections: number;
  correlations: number;
  /** Events older than the watermark minus the allowed lateness: not correlated. */
  late: number;
  /** Events that a correlation needed but whose `time` was not a finite number. */
  untimed: number;
  /** Events a correlation skipped because a group-by field was missing. */
  ungrouped: number;
  /** Groups dropped because a correlation held `maxGroups` of them. */
  evictedGroups: number;
  /** Evidence dropped from a group holding `maxEventsPerGroup` entries. */
  truncated: number;
  /** Rule evaluations that threw; the rule is treated as not matching. */
  ruleFailures: number;
  /** Groups held now, over all correlations. */
  openGroups: number;
  /** Highest event time seen, or -Infinity before any. */
  watermark: number;
}

/** Bounds of the engine's memory and of its tolerance for out-of-order events. */
export interface EngineOptions {
  /** How far behind the newest event time an event may be and still be correlated (ms). */
  lateness?: number;
  /** Groups each correlation keeps; the least recently used group is evicted first. */
  maxGroups?: number;
  /** Timestamps or distinct values one group keeps; the oldest are dropped first. */
  maxEventsPerGroup?: number;
  /** Evidence event ids reported with a match. */
  maxEvidence?: number;
}
