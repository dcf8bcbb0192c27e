import { type Level, levels } from './sigma/types.js';

/**
 * Alerts: what a person acts on. A rule's match or a baseline's signal is a candidate; candidates
 * of the same rule about the same entity within `groupWindowMs` of event time join one alert
 * (counted, the evidence kept up to `maxEvidence`) instead of raising a new one each time. A
 * suppression (a rule, an entity or both, with a reason and an expiry) drops matching candidates
 * and counts them. Everything runs on the events' own time, so a replay groups as live traffic did.
 */

export const alertStatuses = ['new', 'triaged', 'closed'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

/** What raised an alert, before grouping. */
export interface AlertCandidate {
  source: 'rule' | 'baseline';
  /** The rule's key, or the baseline signal (`baseline.subjects_volume`). */
  key: string;
  title: string;
  severity: Level;
  /** Who or what the alert is about: the engineer, the account, the correlation's group. */
  entity: string;
  /** Event time, ms. */
  time: number;
  /** Why, in one sentence with its figures. */
  message: string;
  /** `metadata.uid` of the evidence events. */
  eventIds: readonly string[];
  attack: { tactics: readonly string[]; techniques: readonly string[] };
  /** The rule's authors, kept with every alert of a rule whose licence asks for it. */
  author?: string;
}

export interface Alert {
  id: string;
  source: AlertCandidate['source'];
  key: string;
  title: string;
  severity: Level;
  entity: string;
  /** Event times of the first and the latest candidate. */
  first: number;
  last: number;
  /** Candidates grouped into this alert. */
  count: number;
  /** The first candidate's message, then the latest's when it differs. */
  message: string;
  eventIds: string[];
  attack: { tactics: string[]; techniques: string[] };
  author?: string;
  status: AlertStatus;
  assignee?: string;
  closeReason?: string;
}

export interface Suppression {
  id: string;
  /** The rule key or baseline signal suppressed; every rule when absent. */
  key?: string;
  /** The entity suppressed; every entity when absent. One of key and entity is required. */
  entity?: string;
  reason: string;
  /** Event time after which it no longer applies, ms. */
  expires: number;
}

export interface AlertSettings {
  /** Candidates of one rule about one entity within this much event time join one alert (ms). */
  groupWindowMs: number;
  /** Evidence event ids kept per alert. */
  maxEvidence: number;
  /** Open groups remembered; the least recently raised are forgotten (their next candidate opens a new alert). */
  maxGroups: number;
}

export const defaultAlertSettings: AlertSettings = {
  groupWindowMs: 3_600_000,
  maxEvidence: 50,
  maxGroups: 100_000,
};

/** What became of a candidate. */
export type Raised =
  | { outcome: 'created' | 'grouped'; alert: Alert }
  | { outcome: 'suppressed'; suppression: Suppression };

/** Sigma's level as OCSF's severity_id (1 informational … 5 critical). */
export const severityId = (level: Level): number => levels.indexOf(level) + 1;

const suppresses = (s: Suppression, c: AlertCandidate) =>
  c.time <= s.expires &&
  (s.key === undefined || s.key === c.key) &&
  (s.entity === undefined || s.entity === c.entity);

/**
 * Groups candidates into alerts. `newId` names each new alert; `suppressions` is read at every
 * candidate, so a suppression added or lifted takes effect at once.
 */
export function createAlertGrouper(deps: {
  newId: () => string;
  settings?: Partial<AlertSettings>;
  suppressions?: () => readonly Suppression[];
}) {
  const settings: AlertSettings = { ...defaultAlertSettings, ...deps.settings };
  // Group key → its open alert; Map order is the eviction order (most recently raised last).
  const open = new Map<string, Alert>();
  const counts = { created: 0, grouped: 0, suppressed: 0 };

  return {
    raise(candidate: AlertCandidate): Raised {
      const suppression = deps.suppressions?.().find((s) => suppresses(s, candidate));
      if (suppression) {
        counts.suppressed++;
        return { outcome: 'suppressed', suppression };
      }
      const group = `${candidate.source}\u0000${candidate.key}\u0000${candidate.entity}`;
      const current = open.get(group);
      if (
        current &&
        current.status !== 'closed' &&
        candidate.time >= current.first &&
        candidate.time - current.last <= settings.groupWindowMs
      ) {
        open.delete(group);
        open.set(group, current);
        current.count++;
        current.last = Math.max(current.last, candidate.time);
        if (candidate.message !== current.message && current.count === 2) {
          current.message = `${current.message} Latest: ${candidate.message}`;
        }
        for (const id of candidate.eventIds) {
          if (current.eventIds.length >= settings.maxEvidence) break;
          if (!current.eventIds.includes(id)) current.eventIds.push(id);
        }
        // A repeat of a rule at a higher level (a correlation escalating) raises the alert's.
        if (levels.indexOf(candidate.severity) > levels.indexOf(current.severity)) {
          current.severity = candidate.severity;
        }
        counts.grouped++;
        return { outcome: 'grouped', alert: current };
      }
      const alert: Alert = {
        id: deps.newId(),
        source: candidate.source,
        key: candidate.key,
        title: candidate.title,
        severity: candidate.severity,
        entity: candidate.entity,
        first: candidate.time,
        last: candidate.time,
        count: 1,
        message: candidate.message,
        eventIds: [...new Set(candidate.eventIds)].slice(0, settings.maxEvidence),
        attack: { tactics: [...candidate.attack.tactics], techniques: [...candidate.attack.techniques] },
        status: 'new',
      };
      if (candidate.author !== undefined) alert.author = candidate.author;
      open.delete(group);
      open.set(group, alert);
      if (open.size > settings.maxGroups) open.delete(open.keys().next().value as string);
      counts.created++;
      return { outcome: 'created', alert };
    },
    /**
     * Tells the grouper a person changed an alert's status: a closed alert takes no more repeats
     * (the next one opens a new alert). Unknown ids (long grouped out) are ignored.
     */
    setStatus(id: string, status: AlertStatus): void {
      for (const alert of open.values()) {
        if (alert.id === id) {
          alert.status = status;
          return;
        }
      }
    },
    /** Alerts raised so far that are still grouping. */
    open: () => [...open.values()],
    stats: () => ({ ...counts, openGroups: open.size }),
  };
}

export type AlertGrouper = ReturnType<typeof createAlertGrouper>;

/**
 * An alert as an OCSF 1.8.0 Detection Finding (class 2004): the finding's uid is the alert's id,
 * its times the first and last event times, the rule or signal as its type, the ATT&CK techniques
 * and tactics as `attacks`, and each evidence event id as an evidence. Activity 1 (Create) for a
 * new alert, 2 (Update) for a grouped one, 3 (Close) for a closed one.
 */
export function detectionFinding(alert: Alert, product: { name: string; version: string }) {
  const activityId = alert.status === 'closed' ? 3 : alert.count > 1 ? 2 : 1;
  const statusId = { new: 1, triaged: 2, closed: 4 }[alert.status];
  const finding: Record<string, unknown> = {
    class_uid: 2004,
    category_uid: 2,
    activity_id: activityId,
    type_uid: 2004 * 100 + activityId,
    severity_id: severityId(alert.severity),
    status_id: statusId,
    time: alert.last,
    start_time: alert.first,
    end_time: alert.last,
    message: alert.message,
    is_alert: true,
    metadata: {
      uid: `${alert.id}.${alert.count}`,
      version: '1.8.0',
      product: { name: product.name, vendor_name: product.name, version: product.version },
    },
    finding_info: {
      uid: alert.id,
      title: alert.title,
      desc: alert.message,
      first_seen_time: alert.first,
      last_seen_time: alert.last,
      types: [alert.source === 'rule' ? `rule:${alert.key}` : alert.key],
      related_events_count: alert.count,
      attacks: [
        ...alert.attack.techniques.map((uid) => ({ technique: { uid } })),
        ...alert.attack.tactics.map((name) => ({ tactic: { name } })),
      ],
    },
    // OCSF asks each evidence for at least one artefact: here the event it points to.
    evidences: alert.eventIds.map((uid) => ({ uid, data: { event_uid: uid } })),
    unmapped: {
      entity: alert.entity,
      count: alert.count,
      ...(alert.assignee !== undefined ? { assignee: alert.assignee } : {}),
      ...(alert.closeReason !== undefined ? { close_reason: alert.closeReason } : {}),
      ...(alert.author !== undefined ? { rule_author: alert.author } : {}),
    },
  };
  if ((finding.finding_info as { attacks: unknown[] }).attacks.length === 0)
    delete (finding.finding_info as { attacks?: unknown }).attacks;
  return finding;
}
