import type { CountCondition } from './parse.js';
import type { CompiledCorrelation } from './ruleset.js';
import { DeadlineHeap, type Evidence, TimeQueue } from './windows.js';

/**
 * Correlation rules on event time. Each correlation keeps its groups (by group-by values) in a
 * map bounded by `maxGroups`, least recently fed evicted first.
 *
 * - event_count and value_count whose condition has only lower bounds (gt, gte) slide: the
 *   window ends at the group's newest event, and the rule fires as soon as the count holds.
 * - event_count and value_count with an upper bound (lt, lte, eq, neq) can only be judged once
 *   nothing more can arrive: a window opens at the group's first event, lasts `timespan`, and is
 *   judged when the watermark minus the lateness passes its end (or when a newer event of the
 *   group starts the next window).
 * - temporal fires when every referenced rule (or as many as its condition asks) matched within
 *   `timespan`; temporal_ordered when they matched in the order written.
 *
 * A group that fires is cleared, so the same evidence never fires twice.
 */

export interface CorrelationLimits {
  maxGroups: number;
  maxEventsPerGroup: number;
  maxEvidence: number;
}

export interface CorrelationCounters {
  late: number;
  ungrouped: number;
  evictedGroups: number;
  truncated: number;
}

export interface CorrelationHit {
  group: Record<string, string>;
  time: number;
  count: number;
  eventIds: string[];
}

export interface CorrelationRuntime {
  readonly rule: CompiledCorrelation;
  /** Feeds one match of a referenced rule; returns the hit when the correlation fires. */
  feed(ruleKey: string, source: unknown, time: number, evidence: Evidence): CorrelationHit | undefined;
  /** Judges the windows that end before `closeBefore`; returns the ones that fire. */
  expire(closeBefore: number): CorrelationHit[];
  readonly groups: number;
  /** Whether windows are judged when they close (conditions with an upper bound). */
  readonly tumbling: boolean;
}

interface Group {
  values: string[];
  /** Sliding and tumbling counts: evidence in time order. */
  queue?: TimeQueue;
  /** value_count: value → last time seen (sliding) or 0 (tumbling). */
  seen?: Map<string, number>;
  /** Tumbling windows. */
  start?: number;
  end?: number;
  count?: number;
  /** temporal: last time per distinct rule; temporal_ordered: chain start and end per step. */
  times?: Float64Array;
  ends?: Float64Array;
  ids?: Evidence[];
}

/** True when `n` meets every bound; without a condition, when `n` reaches `required`. */
export function conditionHolds(condition: CountCondition | undefined, n: number, required: number): boolean {
  if (!condition) return n >= required;
  const { gt, gte, lt, lte, eq, neq } = condition;
  return (
    (gt === undefined || n > gt) &&
    (gte === undefined || n >= gte) &&
    (lt === undefined || n < lt) &&
    (lte === undefined || n <= lte) &&
    (eq === undefined || n === eq) &&
    (neq === undefined || n !== neq)
  );
}

function hasUpperBound(condition: CountCondition | undefined): boolean {
  if (!condition) return false;
  return (
    condition.lt !== undefined ||
    condition.lte !== undefined ||
    condition.eq !== undefined ||
    condition.neq !== undefined
  );
}

function flatten(evidence: readonly Evidence[], max: number): string[] {
  const out: string[] = [];
  for (const item of evidence) {
    if (typeof item === 'string') out.push(item);
    else out.push(...item);
  }
  return out.length > max ? out.slice(out.length - max) : out;
}

/** Builds the runtime of one correlation rule. */
export function createCorrelation(
  rule: CompiledCorrelation,
  limits: CorrelationLimits,
  counters: CorrelationCounters,
): CorrelationRuntime {
  const span = rule.timespanMs;
  const distinct = [...new Set(rule.refs)];
  const slotsByKey = new Map<string, number[]>();
  rule.refs.forEach((key, slot) => {
    slotsByKey.set(key, [...(slotsByKey.get(key) ?? []), slot]);
  });
  const tumbling =
    (rule.type === 'event_count' || rule.type === 'value_count') && hasUpperBound(rule.condition);
  const groups = new Map<string, Group>();
  const heap = new DeadlineHeap<{ key: string; group: Group }>();

  function hit(key: string, group: Group, time: number, count: number, ids: string[]): CorrelationHit {
    groups.delete(key);
    const record: Record<string, string> = {};
    rule.groupBy.forEach((name, i) => {
      record[name] = group.values[i] as string;
    });
    return { group: record, time, count, eventIds: ids };
  }

  function open(time: number, values: string[], key: string): Group {
    const group: Group = { values };
    if (rule.type === 'temporal') {
      group.times = new Float64Array(distinct.length).fill(Number.NEGATIVE_INFINITY);
      group.ids = new Array<Evidence>(distinct.length).fill([]);
    } else if (rule.type === 'temporal_ordered') {
      group.times = new Float64Array(rule.refs.length).fill(Number.NaN);
      group.ends = new Float64Array(rule.refs.length).fill(Number.NaN);
      group.ids = new Array<Evidence>(rule.refs.length).fill([]);
    } else {
      group.queue = new TimeQueue(tumbling ? limits.maxEvidence : limits.maxEventsPerGroup);
      if (rule.type === 'value_count') group.seen = new Map();
      if (tumbling) openWindow(group, time, key);
    }
    return group;
  }

  function openWindow(group: Group, time: number, key: string): void {
    group.start = time;
    group.end = time + span;
    group.count = 0;
    group.queue = new TimeQueue(limits.maxEvidence);
    if (group.seen) group.seen.clear();
    heap.push(group.end, { key, group });
  }

  /** Judges a tumbling window; returns the hit when the condition holds, and forgets the window. */
  function judge(key: string, group: Group): CorrelationHit | undefined {
    const count = group.seen ? group.seen.size : (group.count ?? 0);
    const queue = group.queue as TimeQueue;
    if (conditionHolds(rule.condition, count, 1))
      return hit(key, group, group.end as number, count, queue.lastIds(limits.maxEvidence));
    groups.delete(key);
    return undefined;
  }

  function feedTumbling(
    key: string,
    group: Group,
    time: number,
    evidence: Evidence,
    value: string | undefined,
  ) {
    let closed: CorrelationHit | undefined;
    if (time > (group.end as number)) {
      closed = judge(key, group);
      groups.set(key, group);
      openWindow(group, time, key);
    } else if (time < (group.start as number)) {
      // Older than the group's open window, whose predecessor was already judged.
      counters.late++;
      return undefined;
    }
    group.queue?.add(time, evidence);
    if (group.seen && value !== undefined) {
      if (group.seen.size < limits.maxEventsPerGroup) group.seen.set(value, 0);
      else if (!group.seen.has(value)) counters.truncated++;
    }
    group.count = (group.count ?? 0) + 1;
    return closed;
  }

  function feedSliding(
    key: string,
    group: Group,
    time: number,
    evidence: Evidence,
    value: string | undefined,
  ) {
    const queue = group.queue as TimeQueue;
    if (queue.add(time, evidence)) counters.truncated++;
    const cutoff = queue.newest - span;
    queue.dropBefore(cutoff);
    let count = queue.size;
    const seen = group.seen;
    if (seen && value !== undefined) {
      const last = seen.get(value);
      if ((last === undefined && time >= cutoff) || (last !== undefined && time >= last)) {
        seen.delete(value);
        seen.set(value, time);
      }
      for (const [oldValue, at] of seen) {
        if (at >= cutoff && seen.size <= limits.maxEventsPerGroup) break;
        if (at >= cutoff) counters.truncated++;
        seen.delete(oldValue);
      }
      count = seen.size;
    }
    if (!conditionHolds(rule.condition, count, 1)) return undefined;
    return hit(key, group, time, count, queue.lastIds(limits.maxEvidence));
  }

  function feedTemporal(key: string, group: Group, ruleKey: string, time: number, evidence: Evidence) {
    const times = group.times as Float64Array;
    const ids = group.ids as Evidence[];
    const slot = distinct.indexOf(ruleKey);
    if (time >= (times[slot] as number)) {
      times[slot] = time;
      ids[slot] = evidence;
    }
    const newest = Math.max(...times);
    let count = 0;
    for (const at of times) if (at >= newest - span) count++;
    if (!conditionHolds(rule.condition, count, distinct.length)) return undefined;
    const present = ids.filter((_, i) => (times[i] as number) >= newest - span);
    return hit(key, group, time, count, flatten(present, limits.maxEvidence));
  }

  function feedOrdered(key: string, group: Group, slots: number[], time: number, evidence: Evidence) {
    const starts = group.times as Float64Array;
    const ends = group.ends as Float64Array;
    const ids = group.ids as Evidence[];
    // Latest slot first, so one event never fills two consecutive steps.
    for (let i = slots.length - 1; i >= 0; i--) {
      const step = slots[i] as number;
      if (step === 0) {
        starts[0] = time;
        ends[0] = time;
        ids[0] = evidence;
        continue;
      }
      const start = starts[step - 1] as number;
      if (Number.isNaN(start) || time < (ends[step - 1] as number) || time - start > span) continue;
      if (Number.isNaN(starts[step] as number) || start >= (starts[step] as number)) {
        starts[step] = start;
        ends[step] = time;
        ids[step] = flatten([ids[step - 1] as Evidence, evidence], limits.maxEvidence);
      }
    }
    const last = rule.refs.length - 1;
    if (Number.isNaN(starts[last] as number)) return undefined;
    return hit(key, group, time, rule.refs.length, flatten([ids[last] as Evidence], limits.maxEvidence));
  }

  return {
    rule,
    tumbling,
    get groups() {
      return groups.size;
    },
    feed(ruleKey, source, time, evidence) {
      const slots = slotsByKey.get(ruleKey);
      if (!slots) return undefined;
      const first = slots[0] as number;
      const values: string[] = [];
      for (const read of rule.groupReaders[first] ?? []) {
        const value = read(source);
        if (value === undefined) {
          counters.ungrouped++;
          return undefined;
        }
        values.push(value);
      }
      let value: string | undefined;
      if (rule.type === 'value_count') {
        const parts: string[] = [];
        for (const read of rule.valueReaders[first] ?? []) {
          const part = read(source);
          if (part === undefined) {
            counters.ungrouped++;
            return undefined;
          }
          parts.push(part);
        }
        value = parts.length === 1 ? parts[0] : JSON.stringify(parts);
      }
      // One field is its own key; several are JSON, so no value can pass for two.
      const key = values.length === 1 ? (values[0] as string) : JSON.stringify(values);
      let group = groups.get(key);
      if (group) {
        groups.delete(key);
        groups.set(key, group);
      } else {
        group = open(time, values, key);
        groups.set(key, group);
        if (groups.size > limits.maxGroups) {
          groups.delete(groups.keys().next().value as string);
          counters.evictedGroups++;
        }
      }
      if (rule.type === 'temporal') return feedTemporal(key, group, ruleKey, time, evidence);
      if (rule.type === 'temporal_ordered') return feedOrdered(key, group, slots, time, evidence);
      if (tumbling) return feedTumbling(key, group, time, evidence, value);
      return feedSliding(key, group, time, evidence, value);
    },
    expire(closeBefore) {
      const hits: CorrelationHit[] = [];
      while (heap.peek() < closeBefore) {
        const entry = heap.pop();
        if (!entry) break;
        const { key, group } = entry.value;
        if (groups.get(key) !== group || group.end !== entry.due) continue;
        const fired = judge(key, group);
        if (fired) hits.push(fired);
      }
      return hits;
    },
  };
}
