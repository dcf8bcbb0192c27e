/**
 * Insider-access baselines beyond rules: each engineer's reads of user data against their own
 * history and their peer group (same team and role), with robust statistics (median and MAD), and
 * first occurrences (a purpose, a country or an hour of day never seen before). Everything runs on
 * the event's own time: a day is a UTC day of event time, and an engineer's day closes when their
 * first event of a later day arrives. State is bounded: `maxEngineers` engineers (the least
 * recently active are dropped), `historyDays` days each, `maxSubjectsPerDay` distinct subjects
 * counted exactly per day (a day past it counts as that many).
 */

export interface AccessObservation {
  engineer: string;
  /** Team and role: the peer group. From the employee registry, or the event when replaying. */
  team: string;
  role: string;
  /** Event time, ms. */
  at: number;
  /** The user whose data was read (a pseudonym is as good). */
  subject: string;
  /** Field classes read (`contact.phone`, `network.ip`, …). */
  fields: readonly string[];
  purpose: string;
  /** The ticket the access was granted under; null without one. */
  ticket: string | null;
  /** Country the engineer acted from, when known. */
  country?: string | undefined;
}

export interface BaselineSettings {
  /** Days of history kept per engineer and per peer group. */
  historyDays: number;
  /** Days of an engineer's own history before their own baseline counts. */
  minHistoryDays: number;
  /** Distinct subjects in a day below which no volume alert is raised, whatever the baseline. */
  minSubjects: number;
  /** Distinct field classes in a day below which no breadth alert is raised. */
  minFields: number;
  /** How many scaled MADs above the median a day must be, against both baselines. */
  madThreshold: number;
  /** Smallest scaled MAD used: a perfectly steady history would otherwise flag one more read. */
  madFloor: number;
  maxEngineers: number;
  maxSubjectsPerDay: number;
}

export const defaultBaselineSettings: BaselineSettings = {
  historyDays: 28,
  minHistoryDays: 5,
  minSubjects: 25,
  minFields: 8,
  madThreshold: 6,
  madFloor: 2,
  maxEngineers: 100_000,
  maxSubjectsPerDay: 10_000,
};

export type BaselineSignal =
  | 'baseline.subjects_volume'
  | 'baseline.fields_volume'
  | 'baseline.first_purpose'
  | 'baseline.first_country'
  | 'baseline.unusual_hour';

export interface BaselineAlert {
  signal: BaselineSignal;
  engineer: string;
  team: string;
  role: string;
  at: number;
  /** The UTC day (ms at midnight) the alert is about. */
  day: number;
  /** One sentence with the figures that raised it. */
  message: string;
  figures: Record<string, number | string>;
}

/** Median and median absolute deviation of a list (not modified). */
export function robust(values: readonly number[]): { median: number; mad: number } {
  if (values.length === 0) return { median: 0, mad: 0 };
  const median = medianOf([...values]);
  return { median, mad: medianOf(values.map((v) => Math.abs(v - median))) };
}

function medianOf(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1
    ? (values[mid] as number)
    : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

/** MAD scaled to a standard deviation under normality (1.4826), never below the floor. */
const spread = (mad: number, floor: number) => Math.max(1.4826 * mad, floor);

const dayMs = 86_400_000;

interface Today {
  day: number;
  subjects: Set<string>;
  fields: Set<string>;
  raised: Set<BaselineSignal>;
}

interface EngineerState {
  team: string;
  role: string;
  today: Today;
  /** Finished days, oldest first: distinct subjects and field classes. */
  subjectDays: number[];
  fieldDays: number[];
  purposes: Set<string>;
  countries: Set<string>;
  /** Accesses per UTC hour over the history. */
  hours: number[];
  days: number;
}

/** Finished days of every member of a peer group, oldest first, bounded. */
interface PeerState {
  subjectDays: number[];
  fieldDays: number[];
}

const push = (list: number[], value: number, max: number) => {
  list.push(value);
  if (list.length > max) list.splice(0, list.length - max);
};

export function createBaselines(settings: BaselineSettings = defaultBaselineSettings) {
  const engineers = new Map<string, EngineerState>();
  const peers = new Map<string, PeerState>();
  // Peer history: every member's days over the window, so the bound is members × days; capped.
  const peerMax = settings.historyDays * 200;
  let late = 0;

  const groupOf = (team: string, role: string) => `${team}\u0000${role}`;
  const peerOf = (key: string) => {
    let state = peers.get(key);
    if (!state) {
      state = { subjectDays: [], fieldDays: [] };
      peers.set(key, state);
    }
    return state;
  };

  function closeDay(state: EngineerState): void {
    const { today } = state;
    if (today.subjects.size === 0 && today.fields.size === 0) return;
    push(state.subjectDays, today.subjects.size, settings.historyDays);
    push(state.fieldDays, today.fields.size, settings.historyDays);
    const peer = peerOf(groupOf(state.team, state.role));
    push(peer.subjectDays, today.subjects.size, peerMax);
    push(peer.fieldDays, today.fields.size, peerMax);
    state.days++;
  }

  function stateFor(o: AccessObservation, day: number): EngineerState {
    let state = engineers.get(o.engineer);
    if (state) {
      // Most recently active last, so the first key is the one to drop.
      engineers.delete(o.engineer);
    } else {
      state = {
        team: o.team,
        role: o.role,
        today: { day, subjects: new Set(), fields: new Set(), raised: new Set() },
        subjectDays: [],
        fieldDays: [],
        purposes: new Set(),
        countries: new Set(),
        hours: new Array<number>(24).fill(0),
        days: 0,
      };
      if (engineers.size >= settings.maxEngineers) {
        engineers.delete(engineers.keys().next().value as string);
      }
    }
    engineers.set(o.engineer, state);
    if (day > state.today.day) {
      closeDay(state);
      // Days without any access count as days of nothing read.
      const idle = Math.min(Math.round((day - state.today.day) / dayMs) - 1, settings.historyDays);
      for (let i = 0; i < idle; i++) {
        push(state.subjectDays, 0, settings.historyDays);
        push(state.fieldDays, 0, settings.historyDays);
      }
      state.today = { day, subjects: new Set(), fields: new Set(), raised: new Set() };
    }
    state.team = o.team;
    state.role = o.role;
    return state;
  }

  function volume(
    state: EngineerState,
    o: AccessObservation,
    signal: 'baseline.subjects_volume' | 'baseline.fields_volume',
    count: number,
    minimum: number,
    own: readonly number[],
    team: readonly number[],
    what: string,
  ): BaselineAlert | undefined {
    if (state.today.raised.has(signal) || count < minimum) return undefined;
    const mine = robust(own);
    const theirs = robust(team);
    const ownEnough = state.days >= settings.minHistoryDays;
    const aboveOwn =
      !ownEnough || count > mine.median + settings.madThreshold * spread(mine.mad, settings.madFloor);
    const aboveTeam =
      team.length === 0 ||
      count > theirs.median + settings.madThreshold * spread(theirs.mad, settings.madFloor);
    if (!aboveOwn || !aboveTeam || (!ownEnough && team.length === 0)) return undefined;
    state.today.raised.add(signal);
    const ownText = ownEnough
      ? `own median ${mine.median}`
      : `under ${settings.minHistoryDays} days of own history`;
    return {
      signal,
      engineer: o.engineer,
      team: o.team,
      role: o.role,
      at: o.at,
      day: state.today.day,
      message: `read ${count} distinct ${what} today; ${ownText}, team median ${theirs.median}`,
      figures: {
        today: count,
        ownMedian: mine.median,
        ownMad: mine.mad,
        teamMedian: theirs.median,
        teamMad: theirs.mad,
      },
    };
  }

  return {
    /** Adds one access; returns what it raises (each signal at most once per engineer-day). */
    observe(o: AccessObservation): BaselineAlert[] {
      const day = Math.floor(o.at / dayMs) * dayMs;
      const known = engineers.get(o.engineer);
      if (known && day < known.today.day) {
        // An access of a day already closed: too late to change it.
        late++;
        return [];
      }
      const state = stateFor(o, day);
      const alerts: BaselineAlert[] = [];
      const seasoned = state.days >= settings.minHistoryDays;
      const base = { engineer: o.engineer, team: o.team, role: o.role, at: o.at, day };

      if (seasoned && !state.purposes.has(o.purpose) && !state.today.raised.has('baseline.first_purpose')) {
        state.today.raised.add('baseline.first_purpose');
        alerts.push({
          ...base,
          signal: 'baseline.first_purpose',
          message: `first access for purpose "${o.purpose}" in ${state.days} days of history (usual: ${[...state.purposes].sort().join(', ')})`,
          figures: { purpose: o.purpose, days: state.days },
        });
      }
      if (
        seasoned &&
        o.country !== undefined &&
        state.countries.size > 0 &&
        !state.countries.has(o.country) &&
        !state.today.raised.has('baseline.first_country')
      ) {
        state.today.raised.add('baseline.first_country');
        alerts.push({
          ...base,
          signal: 'baseline.first_country',
          message: `first access from ${o.country}; before only from ${[...state.countries].sort().join(', ')}`,
          figures: { country: o.country, days: state.days },
        });
      }
      const hour = new Date(o.at).getUTCHours();
      const total = state.hours.reduce((a, b) => a + b, 0);
      if (
        seasoned &&
        total >= 50 &&
        state.hours[hour] === 0 &&
        !state.today.raised.has('baseline.unusual_hour')
      ) {
        state.today.raised.add('baseline.unusual_hour');
        const usual = state.hours
          .map((n, h) => [h, n] as const)
          .filter(([, n]) => n > 0)
          .map(([h]) => h);
        alerts.push({
          ...base,
          signal: 'baseline.unusual_hour',
          message: `access at ${String(hour).padStart(2, '0')}:00 UTC, an hour with none of ${total} earlier accesses (usual hours ${Math.min(...usual)}–${Math.max(...usual)} UTC)`,
          figures: { hour, earlier: total },
        });
      }

      if (state.today.subjects.size < settings.maxSubjectsPerDay) state.today.subjects.add(o.subject);
      for (const field of o.fields) state.today.fields.add(field);
      state.purposes.add(o.purpose);
      if (o.country !== undefined) state.countries.add(o.country);
      state.hours[hour] = (state.hours[hour] ?? 0) + 1;

      const peer = peerOf(groupOf(o.team, o.role));
      const subjects = volume(
        state,
        o,
        'baseline.subjects_volume',
        state.today.subjects.size,
        settings.minSubjects,
        state.subjectDays,
        peer.subjectDays,
        'subjects',
      );
      if (subjects) alerts.push(subjects);
      const fields = volume(
        state,
        o,
        'baseline.fields_volume',
        state.today.fields.size,
        settings.minFields,
        state.fieldDays,
        peer.fieldDays,
        'field classes',
      );
      if (fields) alerts.push(fields);
      return alerts;
    },

    stats() {
      return { engineers: engineers.size, peerGroups: peers.size, late };
    },
  };
}

export type Baselines = ReturnType<typeof createBaselines>;
