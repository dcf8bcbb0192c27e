import type { MatchContext } from './compile.js';
import { type CorrelationHit, type CorrelationRuntime, createCorrelation } from './correlate.js';
import type { CompiledDetection, CompiledRule } from './ruleset.js';
import type { EngineOptions, EngineStats, RuleInfo, RuleMatch } from './types.js';
import type { Evidence } from './windows.js';

/** Runs a rule set over events, one at a time, on the events' own time. */
export interface RuleEngine {
  /** Matches one event (an OCSF-shaped JSON object); never throws. */
  process(event: unknown): readonly RuleMatch[];
  /**
   * Moves the watermark to `time` without an event (a quiet stream still closes its windows);
   * returns the correlations that fire as windows close.
   */
  advanceTo(time: number): readonly RuleMatch[];
  stats(): EngineStats;
}

export const engineDefaults: Required<EngineOptions> = {
  lateness: 60_000,
  maxGroups: 10_000,
  maxEventsPerGroup: 10_000,
  maxEvidence: 20,
};

const none: readonly RuleMatch[] = Object.freeze([]);

/** Topics remembered with their candidate rules; beyond this, topics are matched afresh each time. */
const maxCachedTopics = 4096;

function checkOptions(options: EngineOptions): Required<EngineOptions> {
  const merged: Required<EngineOptions> = {
    lateness: options.lateness ?? engineDefaults.lateness,
    maxGroups: options.maxGroups ?? engineDefaults.maxGroups,
    maxEventsPerGroup: options.maxEventsPerGroup ?? engineDefaults.maxEventsPerGroup,
    maxEvidence: options.maxEvidence ?? engineDefaults.maxEvidence,
  };
  for (const [name, value] of Object.entries(merged)) {
    const min = name === 'lateness' ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < min) {
      throw new RangeError(
        `rule engine option ${name} must be a whole number of at least ${min}, not ${value}`,
      );
    }
  }
  return merged;
}

/** The public description of a rule, without its compiled parts. */
function infoOf(rule: CompiledRule): RuleInfo {
  const { key, id, name, title, level, status, author, tags, attack, file, line } = rule;
  const info: RuleInfo = { key, title, level, tags, attack, file, line };
  if (id !== undefined) info.id = id;
  if (name !== undefined) info.name = name;
  if (status !== undefined) info.status = status;
  if (author !== undefined) info.author = author;
  // Every match of the rule shares this object: frozen, so no consumer can change it for the others.
  Object.freeze(info.tags);
  for (const list of Object.values(info.attack)) Object.freeze(list);
  Object.freeze(info.attack);
  return Object.freeze(info);
}

/**
 * Builds an engine over compiled rules. Detections are indexed by event class and by topic, so
 * an event meets only the rules its logsource can match. A rule that a correlation refers to
 * reports no match of its own unless one such correlation says `generate: true`.
 */
export function createRuleEngine(rules: readonly CompiledRule[], options: EngineOptions = {}): RuleEngine {
  const limits = checkOptions(options);
  const counters: EngineStats = {
    events: 0,
    malformed: 0,
    detections: 0,
    correlations: 0,
    late: 0,
    untimed: 0,
    ungrouped: 0,
    evictedGroups: 0,
    truncated: 0,
    ruleFailures: 0,
    openGroups: 0,
    watermark: Number.NEGATIVE_INFINITY,
  };
  const infos = new Map(rules.map((rule) => [rule.key, infoOf(rule)]));
  if (infos.size !== rules.length)
    throw new RangeError('rule keys must be unique: pass the rules of one load');
  const byClass = new Map<number, CompiledDetection[]>();
  const byTopic: CompiledDetection[] = [];
  const contexts = new Set<MatchContext>();
  const runtimes: CorrelationRuntime[] = [];
  const consumers = new Map<string, CorrelationRuntime[]>();
  const referenced = new Set<string>();
  const generated = new Set<string>();

  for (const rule of rules) {
    if (rule.kind === 'detection') {
      contexts.add(rule.context);
      if (rule.target.kind === 'class')
        byClass.set(rule.target.classUid, [...(byClass.get(rule.target.classUid) ?? []), rule]);
      else if (rule.target.kind === 'topic') byTopic.push(rule);
      continue;
    }
    const runtime = createCorrelation(rule, limits, counters);
    runtimes.push(runtime);
    for (const ref of new Set(rule.refs)) {
      consumers.set(ref, [...(consumers.get(ref) ?? []), runtime]);
      referenced.add(ref);
      if (rule.generate) generated.add(ref);
    }
  }
  const tumbling = runtimes.filter((runtime) => runtime.tumbling);
  const topicCache = new Map<string, CompiledDetection[]>();
  const reports = (key: string) => !referenced.has(key) || generated.has(key);
  const scratch: RuleMatch[] = [];

  function rulesForTopic(topic: string): CompiledDetection[] {
    const cached = topicCache.get(topic);
    if (cached) return cached;
    const found = byTopic.filter(
      (rule) => rule.target.kind === 'topic' && topic.startsWith(rule.target.prefix),
    );
    if (topicCache.size < maxCachedTopics) topicCache.set(topic, found);
    return found;
  }

  function onHit(runtime: CorrelationRuntime, hit: CorrelationHit, out: RuleMatch[]): void {
    counters.correlations++;
    const key = runtime.rule.key;
    if (reports(key)) {
      out.push({
        kind: 'correlation',
        rule: infos.get(key) as RuleInfo,
        time: hit.time,
        eventIds: hit.eventIds,
        group: hit.group,
        count: hit.count,
      });
    }
    deliver(key, hit, hit.time, hit.eventIds, out);
  }

  function deliver(key: string, source: unknown, time: number, evidence: Evidence, out: RuleMatch[]): void {
    for (const runtime of consumers.get(key) ?? []) {
      const hit = runtime.feed(key, source, time, evidence);
      if (hit) onHit(runtime, hit, out);
    }
  }

  function expire(out: RuleMatch[]): void {
    const closeBefore = counters.watermark - limits.lateness;
    for (const runtime of tumbling) {
      for (const hit of runtime.expire(closeBefore)) onHit(runtime, hit, out);
    }
  }

  function matchEvent(event: Record<string, unknown>, out: RuleMatch[]): void {
    const classUid = event.class_uid;
    const topic = event.topic;
    const byItsClass = typeof classUid === 'number' ? byClass.get(classUid) : undefined;
    const byItsTopic = typeof topic === 'string' && byTopic.length > 0 ? rulesForTopic(topic) : undefined;
    if (!byItsClass && !byItsTopic?.length) return;
    for (const context of contexts) context.next();
    const time = event.time;
    const timed = typeof time === 'number' && Number.isFinite(time);
    const late = timed && time < counters.watermark - limits.lateness;
    const metadata = event.metadata as { uid?: unknown } | undefined;
    const uid = typeof metadata?.uid === 'string' ? metadata.uid : undefined;
    const at = timed ? time : Number.NaN;
    let skipped = byItsClass ? runRules(byItsClass, event, at, late, uid, out) : false;
    if (byItsTopic && runRules(byItsTopic, event, at, late, uid, out)) skipped = true;
    if (skipped) {
      if (!timed) counters.untimed++;
      else counters.late++;
    }
  }

  /** Tries the rules on an event; true when a correlation had to skip it (late or untimed). */
  function runRules(
    list: readonly CompiledDetection[],
    event: Record<string, unknown>,
    time: number,
    late: boolean,
    uid: string | undefined,
    out: RuleMatch[],
  ): boolean {
    let skipped = false;
    for (const rule of list) {
      let matched: boolean;
      try {
        matched = rule.test(event);
      } catch {
        counters.ruleFailures++;
        continue;
      }
      if (!matched) continue;
      counters.detections++;
      if (reports(rule.key)) {
        out.push({
          kind: 'detection',
          rule: infos.get(rule.key) as RuleInfo,
          time,
          eventIds: uid === undefined ? [] : [uid],
        });
      }
      if (!consumers.has(rule.key)) continue;
      if (Number.isNaN(time) || late) skipped = true;
      else deliver(rule.key, event, time, uid ?? [], out);
    }
    return skipped;
  }

  return {
    process(event) {
      counters.events++;
      if (event === null || typeof event !== 'object' || Array.isArray(event)) {
        counters.malformed++;
        return none;
      }
      // One array reused for every event; a copy leaves only when something matched.
      scratch.length = 0;
      matchEvent(event as Record<string, unknown>, scratch);
      const time = (event as { time?: unknown }).time;
      if (typeof time === 'number' && Number.isFinite(time) && time > counters.watermark) {
        counters.watermark = time;
        if (tumbling.length > 0) expire(scratch);
      }
      return scratch.length > 0 ? scratch.slice() : none;
    },
    advanceTo(time) {
      if (!Number.isFinite(time) || time <= counters.watermark) return none;
      counters.watermark = time;
      const out: RuleMatch[] = [];
      expire(out);
      return out.length > 0 ? out : none;
    },
    stats() {
      return { ...counters, openGroups: runtimes.reduce((sum, runtime) => sum + runtime.groups, 0) };
    },
  };
}
