import { type AucEstimate, createScoreTally, type ScoreTally } from '../../ato/eval.metrics.js';
import type { Assessment } from '../../ato/types.js';
import {
  type AttackKind,
  type Attempt,
  attackKinds,
  type LegitKind,
  legitKinds,
  type Step,
  type TakeoverKind,
  takeoverKinds,
} from './actors.js';
import { attackerPasses, ownerOnly } from './flow.js';

/**
 * Scores a simulation run from each event's truth and answer. Legitimate events before the end of
 * the warm-up feed the assessor's history but are not scored: every account is new to it then.
 */

/** A guess is right one time in a million, so honoured guesses × 1e-6 is the chance of success. */
export const codeGuessOdds = 1e-6;

export interface ShareCount {
  count: number;
  of: number;
  /** count / of, or null when there is nothing to count. */
  share: number | null;
}

export interface TakeoverTally {
  attempts: number;
  /**
   * Challenged with something the attacker cannot pass, denied or locked at a decisive step; a
   * guessing campaign, when it got too few guesses honoured to have a 1e-4 chance.
   */
  stopped: ShareCount;
  /** The attacker got the account. */
  completed: number;
}

export interface SimMetrics {
  events: number;
  /** Legitimate events left out of the scores because they fell in the warm-up. */
  warmupEvents: number;
  takeovers: TakeoverTally & { byKind: Record<TakeoverKind, TakeoverTally> };
  legitimate: {
    /** Logins answered anything but allow. */
    loginsChallenged: ShareCount;
    /** Logins denied or with the device locked. */
    loginsDenied: ShareCount;
    /** Registration flows with any step answered anything but allow. */
    registrationsChallenged: ShareCount;
    /** All legitimate events, by what they were. */
    byKind: Record<LegitKind, ShareCount>;
  };
  auc: { overall: AucEstimate; byKind: Record<AttackKind, AucEstimate> };
  bruteForce: {
    campaigns: number;
    honouredGuesses: number;
    /** The most guesses honoured against one number in its campaign's day. */
    worstPerNumberPerDay: number;
    /** worstPerNumberPerDay × 1e-6 (target below 1e-4), and the same on average over numbers. */
    successProbability: number | null;
    meanSuccessProbability: number | null;
    /** Campaigns whose guess budget ran out before their day did: their counts are lower bounds. */
    budgetExhausted: number;
  };
  /** Owners whose own event was denied or locked while an attack on their number ran. */
  ownersLockedOut: number;
  smsPumping: { campaigns: number; requests: number; letThrough: ShareCount };
}

function shareOf(count: number, of: number): ShareCount {
  return { count, of, share: of === 0 ? null : count / of };
}

/** Whether an answer stops an attacker at a decisive step. */
function refuses(answer: Assessment): boolean {
  return answer.decision === 'deny' || answer.decision === 'lock_device' || ownerOnly(answer);
}

/** The target for code guessing: a number's chance of being guessed in a day below 1e-4. */
export const bruteForceTarget = 1e-4;

export interface SimTally {
  record(step: Step, answer: Assessment): void;
  /** The metrics, given every attack launched. */
  finish(attempts: readonly Attempt[]): SimMetrics;
}

export function createSimTally(options: { warmupEnd: number }): SimTally {
  let events = 0;
  let warmupEvents = 0;
  const overall = createScoreTally();
  const byAttack = Object.fromEntries(attackKinds.map((kind) => [kind, createScoreTally()])) as Record<
    AttackKind,
    ScoreTally
  >;
  const legitByKind = Object.fromEntries(legitKinds.map((kind) => [kind, { count: 0, of: 0 }])) as Record<
    LegitKind,
    { count: number; of: number }
  >;
  const logins = { total: 0, challenged: 0, denied: 0 };
  const flows = new Map<number, boolean>();
  const refusedOwners: Array<{ account: string; time: number }> = [];
  const stoppedAttempts = new Set<number>();
  const honoured = new Map<number, number>();
  const pumping = { requests: 0, letThrough: 0 };

  return {
    record({ event, truth }, answer) {
      events += 1;
      if (truth.actor === 'legit') {
        if (event.time < options.warmupEnd) {
          warmupEvents += 1;
          return;
        }
        const challenged = answer.decision !== 'allow';
        const refused = answer.decision === 'deny' || answer.decision === 'lock_device';
        overall.add(answer.score, false);
        for (const kind of attackKinds) byAttack[kind].add(answer.score, false);
        legitByKind[truth.kind].of += 1;
        if (challenged) legitByKind[truth.kind].count += 1;
        if (event.type === 'login') {
          logins.total += 1;
          if (challenged) logins.challenged += 1;
          if (refused) logins.denied += 1;
        }
        if (truth.flow !== undefined) flows.set(truth.flow, (flows.get(truth.flow) ?? false) || challenged);
        if (refused && truth.account) refusedOwners.push({ account: truth.account, time: event.time });
        return;
      }
      overall.add(answer.score, true);
      byAttack[truth.kind].add(answer.score, true);
      // Code guessing is judged by its honoured guesses (below), not by single refusals.
      if (truth.decisive && truth.kind !== 'otp_brute_force' && refuses(answer))
        stoppedAttempts.add(truth.attempt);
      if (truth.kind === 'otp_brute_force' && event.type === 'otp_verify' && answer.decision === 'allow') {
        honoured.set(truth.attempt, (honoured.get(truth.attempt) ?? 0) + 1);
      }
      if (truth.kind === 'sms_pumping' && event.type === 'otp_request') {
        pumping.requests += 1;
        if (attackerPasses(answer)) pumping.letThrough += 1;
      }
    },

    finish(attempts) {
      // A guessing campaign is stopped when its honoured guesses give the number a chance of
      // falling below the target: one refused device among dozens stops nothing.
      const stopped = (a: Attempt): boolean =>
        a.kind === 'otp_brute_force'
          ? !a.completed && (honoured.get(a.id) ?? 0) * codeGuessOdds < bruteForceTarget
          : stoppedAttempts.has(a.id);
      const tallyOf = (list: readonly Attempt[]): TakeoverTally => ({
        attempts: list.length,
        stopped: shareOf(list.filter(stopped).length, list.length),
        completed: list.filter((a) => a.completed).length,
      });
      const takeovers = attempts.filter((a) => a.kind !== 'sms_pumping');
      const byKind = Object.fromEntries(
        takeoverKinds.map((kind) => [kind, tallyOf(takeovers.filter((a) => a.kind === kind))]),
      ) as Record<TakeoverKind, TakeoverTally>;

      const campaigns = attempts.filter((a) => a.kind === 'otp_brute_force');
      // Each campaign is one number over at most one day, so its count is per number per day.
      const perNumber = campaigns.map((a) => honoured.get(a.id) ?? 0);
      const worst = perNumber.length > 0 ? Math.max(...perNumber) : 0;
      const total = perNumber.reduce((sum, n) => sum + n, 0);

      const windows = new Map<string, Attempt[]>();
      for (const attempt of takeovers) {
        if (attempt.victim) windows.set(attempt.victim, [...(windows.get(attempt.victim) ?? []), attempt]);
      }
      const lockedOut = new Set(
        refusedOwners
          .filter(({ account, time }) =>
            (windows.get(account) ?? []).some((a) => time >= a.start && time <= a.end),
          )
          .map(({ account }) => account),
      );

      return {
        events,
        warmupEvents,
        takeovers: { ...tallyOf(takeovers), byKind },
        legitimate: {
          loginsChallenged: shareOf(logins.challenged, logins.total),
          loginsDenied: shareOf(logins.denied, logins.total),
          registrationsChallenged: shareOf([...flows.values()].filter(Boolean).length, flows.size),
          byKind: Object.fromEntries(
            legitKinds.map((kind) => [kind, shareOf(legitByKind[kind].count, legitByKind[kind].of)]),
          ) as Record<LegitKind, ShareCount>,
        },
        auc: {
          overall: overall.auc(),
          byKind: Object.fromEntries(attackKinds.map((kind) => [kind, byAttack[kind].auc()])) as Record<
            AttackKind,
            AucEstimate
          >,
        },
        bruteForce: {
          campaigns: campaigns.length,
          honouredGuesses: total,
          worstPerNumberPerDay: worst,
          successProbability: campaigns.length > 0 ? worst * codeGuessOdds : null,
          meanSuccessProbability: campaigns.length > 0 ? (total / campaigns.length) * codeGuessOdds : null,
          budgetExhausted: campaigns.filter((a) => a.budgetExhausted).length,
        },
        ownersLockedOut: lockedOut.size,
        smsPumping: {
          campaigns: attempts.filter((a) => a.kind === 'sms_pumping').length,
          requests: pumping.requests,
          letThrough: shareOf(pumping.letThrough, pumping.requests),
        },
      };
    },
  };
}
