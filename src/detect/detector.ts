import type { AlertCandidate, AlertGrouper, Raised } from './alerts.js';
import type { AccessObservation, BaselineAlert, Baselines } from './baselines.js';
import type { RuleEngine, RuleMatch } from './sigma/index.js';

/**
 * The detector: each event through the rule engine and, when it is an engineer's read of user
 * data, through the insider baselines; every match and signal becomes an alert candidate for the
 * grouper. The live consumer and `custos detect replay` both run it, on the events' own time.
 */

type Json = Record<string, unknown>;
const object = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** Who an event is about: its actor (an engineer, a caller), else its user, else its source address. */
export function entityOf(event: unknown): string {
  const e = object(event);
  const actorUser = object(object(e?.actor)?.user);
  const user = object(e?.user);
  const source = object(e?.src_endpoint);
  return (
    text(actorUser?.uid) ??
    text(actorUser?.name) ??
    text(user?.uid) ??
    text(user?.name) ??
    text(source?.ip) ??
    'unknown'
  );
}

/** Datastore Activity (6005), as Custos records an engineer's read of a user's data. */
const datastoreActivity = 6005;

/**
 * An engineer's read of user data, from a Datastore Activity event (not a refused one) whose actor
 * is the engineer and whose `unmapped` carries `subject`, `fields`, `purpose`, `ticket`, `team` and `role` (and
 * `country` when known). Undefined for any other event.
 */
export function accessObservationOf(event: unknown): AccessObservation | undefined {
  const e = object(event);
  if (e?.class_uid !== datastoreActivity || typeof e.time !== 'number') return undefined;
  const engineer = text(object(object(e.actor)?.user)?.uid);
  const u = object(e.unmapped);
  // A refused check read nothing: the rules see it, the baselines of what was read do not.
  if (u?.decision === 'deny') return undefined;
  const subject = text(u?.subject);
  const fields = Array.isArray(u?.fields) ? u.fields.filter((f): f is string => typeof f === 'string') : [];
  if (!engineer || !subject) return undefined;
  const country = text(u?.country);
  return {
    engineer,
    team: text(u?.team) ?? 'unknown',
    role: text(u?.role) ?? 'unknown',
    at: e.time,
    subject,
    fields,
    purpose: text(u?.purpose) ?? 'unknown',
    ticket: text(u?.ticket) ?? null,
    ...(country ? { country } : {}),
  };
}

const uidOf = (event: unknown): string | undefined => text(object(object(event)?.metadata)?.uid);

function ruleCandidate(match: RuleMatch, entity: string): AlertCandidate {
  const { rule } = match;
  const group = match.group
    ? Object.entries(match.group)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')
    : undefined;
  const message =
    match.kind === 'correlation'
      ? `${rule.title}: ${match.count ?? 0} in the window${group ? ` for ${group}` : ''}`
      : rule.title;
  const candidate: AlertCandidate = {
    source: 'rule',
    key: rule.key,
    title: rule.title,
    severity: rule.level,
    entity: match.kind === 'correlation' ? (group ?? 'all') : entity,
    time: match.time,
    message,
    eventIds: match.eventIds,
    attack: { tactics: rule.attack.tactics, techniques: rule.attack.techniques },
  };
  if (rule.author !== undefined) candidate.author = rule.author;
  return candidate;
}

const baselineTitles: Record<BaselineAlert['signal'], string> = {
  'baseline.subjects_volume': 'Engineer read far more people than usual',
  'baseline.fields_volume': 'Engineer read far more kinds of data than usual',
  'baseline.first_purpose': 'Engineer gave a purpose never used before',
  'baseline.first_country': 'Engineer acted from a country never seen before',
  'baseline.unusual_hour': 'Engineer read user data at an hour never worked before',
};

function baselineCandidate(signal: BaselineAlert, eventId: string | undefined): AlertCandidate {
  return {
    source: 'baseline',
    key: signal.signal,
    title: baselineTitles[signal.signal],
    severity: signal.signal === 'baseline.subjects_volume' ? 'high' : 'medium',
    entity: signal.engineer,
    time: signal.at,
    message: signal.message,
    eventIds: eventId ? [eventId] : [],
    // Data from Information Repositories: an insider's bulk reading is collection.
    attack: { tactics: ['collection'], techniques: ['T1213'] },
  };
}

export function createDetector(deps: { engine: RuleEngine; grouper: AlertGrouper; baselines?: Baselines }) {
  const { engine, grouper, baselines } = deps;
  return {
    /** One event: the alerts it created or grouped into, and the candidates suppressed. */
    process(event: unknown): Raised[] {
      const raised: Raised[] = [];
      const entity = entityOf(event);
      for (const match of engine.process(event)) raised.push(grouper.raise(ruleCandidate(match, entity)));
      const observation = baselines ? accessObservationOf(event) : undefined;
      if (observation && baselines) {
        const id = uidOf(event);
        for (const signal of baselines.observe(observation))
          raised.push(grouper.raise(baselineCandidate(signal, id)));
      }
      return raised;
    },
    /** Moves event time on without an event, closing correlation windows. */
    advanceTo(time: number): Raised[] {
      return engine.advanceTo(time).map((match) => grouper.raise(ruleCandidate(match, 'all')));
    },
    stats: () => ({ engine: engine.stats(), alerts: grouper.stats(), baselines: baselines?.stats() }),
  };
}

export type Detector = ReturnType<typeof createDetector>;
