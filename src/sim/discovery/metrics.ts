import { type DiscoveryDecision, type DiscoveryVerdict, discoveryVerdicts } from '../../discovery/types.js';
import type { Actor, ActorKind, Ask } from './actors.js';

/**
 * What the simulation counts as it runs: friction for people (decisions by request and by user),
 * and for each scraper what it asked, what it learnt (registered numbers and the canaries shown
 * it), and when the guard first held one of its accounts on a signal of its own (not a limit or
 * the quota, which hold everyone alike).
 */

const zero = () =>
  Object.fromEntries(discoveryVerdicts.map((v) => [v, 0])) as Record<DiscoveryVerdict, number>;

/** Reasons that say the guard saw enumeration, as opposed to a limit or the quota. */
export const isSignal = (code: string) =>
  code.startsWith('enumeration.') ||
  code.startsWith('plausibility.') ||
  code.startsWith('canary.') ||
  code === 'fleet.member';

export interface ScraperTally {
  id: string;
  kind: Exclude<ActorKind, 'legit'>;
  accounts: Set<string>;
  start: number;
  requests: number;
  decisions: Record<DiscoveryVerdict, number>;
  asked: number;
  learned: Set<number>;
  canaries: Set<string>;
  /** Event time of the first check held (shadow, throttle, block) on a signal, and by fleet.member. */
  detectedAt: number | null;
  fleetMemberAt: number | null;
  detectedAccounts: Set<string>;
  reasons: Record<string, number>;
}

export interface LegitTally {
  requests: number;
  numbers: number;
  answered: number;
  decisions: Record<DiscoveryVerdict, number>;
  users: Set<string>;
  usersBlocked: Set<string>;
  usersThrottled: Set<string>;
  usersShadowed: Set<string>;
  /** Reasons given to people held other than by a plain allow, by code. */
  reasons: Record<string, number>;
}

export function createTally() {
  const legit: LegitTally = {
    requests: 0,
    numbers: 0,
    answered: 0,
    decisions: zero(),
    users: new Set(),
    usersBlocked: new Set(),
    usersThrottled: new Set(),
    usersShadowed: new Set(),
    reasons: {},
  };
  const scrapers = new Map<string, ScraperTally>();
  return {
    legit,
    scrapers,
    record(
      actor: Actor,
      ask: Ask,
      time: number,
      decision: DiscoveryDecision,
      registered: readonly boolean[],
      numbers: readonly string[],
    ): number {
      let learned = 0;
      for (const i of decision.allowed) if (registered[i]) learned++;
      const verdict = decision.decision;
      if (actor.kind === 'legit' || actor.scraper === undefined) {
        legit.requests++;
        legit.numbers += ask.numbers.length;
        legit.answered += decision.allowed.length;
        legit.decisions[verdict]++;
        legit.users.add(ask.account);
        if (verdict === 'block') legit.usersBlocked.add(ask.account);
        if (verdict === 'throttle') legit.usersThrottled.add(ask.account);
        if (verdict === 'shadow') legit.usersShadowed.add(ask.account);
        if (verdict !== 'allow')
          for (const r of decision.reasons) legit.reasons[r.code] = (legit.reasons[r.code] ?? 0) + 1;
        return learned;
      }
      let tally = scrapers.get(actor.scraper);
      if (!tally) {
        tally = {
          id: actor.scraper,
          kind: actor.kind,
          accounts: new Set(),
          start: time,
          requests: 0,
          decisions: zero(),
          asked: 0,
          learned: new Set(),
          canaries: new Set(),
          detectedAt: null,
          fleetMemberAt: null,
          detectedAccounts: new Set(),
          reasons: {},
        };
        scrapers.set(actor.scraper, tally);
      }
      tally.accounts.add(ask.account);
      tally.requests++;
      tally.decisions[verdict]++;
      tally.asked += ask.numbers.length;
      for (const i of decision.allowed) if (registered[i]) tally.learned.add(ask.numbers[i] as number);
      for (const i of decision.canaries) tally.canaries.add(numbers[i] as string);
      for (const r of decision.reasons) tally.reasons[r.code] = (tally.reasons[r.code] ?? 0) + 1;
      const held = verdict === 'shadow' || verdict === 'throttle' || verdict === 'block';
      if (held && decision.reasons.some((r) => isSignal(r.code))) {
        tally.detectedAt ??= time;
        tally.detectedAccounts.add(ask.account);
        if (decision.reasons.some((r) => r.code === 'fleet.member')) tally.fleetMemberAt ??= time;
      }
      return learned;
    },
  };
}

export type Tally = ReturnType<typeof createTally>;
