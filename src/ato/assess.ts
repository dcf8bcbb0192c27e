import type { Clock } from '../core/clock.js';
import type { AtoConfig } from '../core/config.ato.js';
import { isCustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AccountStates } from '../store/account-state.js';
import type { HourlyTallies } from '../store/tallies.js';
import { type DecisionBody, decisionBody, leadingReason } from './decisions.js';
import type {
  AccountHistory,
  Assessment,
  AtoAction,
  AtoReason,
  AtoVerdict,
  AuthEvent,
  AuthEventType,
  Challenge,
  Features,
  KnownFacts,
  RuleFindings,
} from './types.js';

/** The events the statistical model scores: those where someone asserts to be the account's owner. */
const scoredEvents: ReadonlySet<AuthEventType> = new Set([
  'registration_start',
  'otp_verify',
  'login',
  'device_link',
]);

const strength: Record<AtoVerdict, number> = { allow: 0, challenge: 1, deny: 2, lock_device: 3 };

export interface RuleEngine {
  evaluate(event: AuthEvent, features: Features, history: AccountHistory | undefined): Promise<RuleFindings>;
}

/** One answered event: its assessment id, and whether it repeated an event id already answered. */
export interface Assessed {
  id: string;
  assessment: Assessment;
  duplicate: boolean;
}

export interface AssessDeps {
  clock: Clock;
  config: Pick<AtoConfig, 'thresholds' | 'countersUnavailable' | 'clockSkew' | 'dedupeCache'>;
  enrich(event: AuthEvent, facts?: KnownFacts): Features;
  /** The statistical model with its global distribution bound in. */
  score(features: Features, history: AccountHistory | undefined): { score: number; reasons: AtoReason[] };
  rules: RuleEngine;
  /** Rules on this node's own counters, for when the shared ones do not answer (`countersUnavailable: local`). */
  localRules: RuleEngine;
  /**
   * Returns the account's history updated with the event. Only with `learn` (an allowed event) do
   * its values enter the tables and the global distribution; carrier signals are kept either way.
   */
  observe(
    history: AccountHistory | undefined,
    event: AuthEvent,
    features: Features,
    learn: boolean,
  ): AccountHistory;
  histories: Pick<AccountStates<AccountHistory>, 'get' | 'put' | 'exclusive'>;
  /** Durably records the assessment (ledger record and search row); throws when it cannot. */
  record(id: string, body: DecisionBody): Promise<number>;
  tallies: Pick<HourlyTallies, 'record'>;
  /** Turns recommended actions into outbox events; called after the decision is recorded. */
  respond(id: string, body: DecisionBody): Promise<void>;
}

/**
 * Scores one authentication event and answers with an explained decision: enrichment, the
 * statistical model against the account's history, the explicit rules on shared counters, then
 * the thresholds. Every answer is recorded before it is returned; only allowed events teach the
 * history and the global distribution, so an attacker's attempts never make the attacker look
 * normal.
 */
export function createAssess(deps: AssessDeps) {
  const { clock, config } = deps;
  // Recent event ids per caller, oldest first; answered again with the first assessment.
  const recent = new Map<string, Promise<Assessed>>();

  function rememberEvent(key: string, answer: Promise<Assessed>): void {
    if (config.dedupeCache === 0) return;
    recent.set(key, answer);
    // A failed assessment is not an answer: the platform may retry with the same id.
    answer.catch(() => {
      if (recent.get(key) === answer) recent.delete(key);
    });
    if (recent.size > config.dedupeCache) {
      const oldest = recent.keys().next().value as string;
      recent.delete(oldest);
    }
  }

  async function findings(event: AuthEvent, features: Features, history: AccountHistory | undefined) {
    try {
      return await deps.rules.evaluate(event, features, history);
    } catch (error) {
      if (!isCustosError(error, 'limits.unavailable')) throw error;
      if (config.countersUnavailable === 'local') {
        const local = await deps.localRules.evaluate(event, features, history);
        local.reasons.push({
          code: 'ato.counters_local',
          message: 'The shared counters did not answer; this node counted on its own.',
          contribution: 0,
        });
        return local;
      }
      return {
        reasons: [
          {
            code: 'ato.counters_unavailable',
            message: 'The shared counters did not answer, so attempts cannot be counted: challenged.',
            contribution: 0,
          },
        ],
        verdicts: [{ decision: 'challenge' as const, challenges: ['captcha' as const] }],
        actions: [],
      };
    }
  }

  /** The challenges an owner could pass when the score alone asks for one. */
  function ownerChallenges(event: AuthEvent, history: AccountHistory | undefined): Challenge[] {
    const challenges: Challenge[] = [];
    if (history?.pinEnabled) challenges.push('pin');
    if (history?.activeDevice && history.activeDevice.id !== event.device)
      challenges.push('old_device_approval');
    if (challenges.length === 0) challenges.push('captcha');
    return challenges;
  }

  function decide(
    event: AuthEvent,
    history: AccountHistory | undefined,
    reasons: AtoReason[],
    found: RuleFindings,
  ): Assessment {
    let score = 0;
    for (const reason of reasons) score += reason.contribution;
    score = Math.round(score * 1000) / 1000;
    let decision: AtoVerdict =
      score >= config.thresholds.deny ? 'deny' : score >= config.thresholds.challenge ? 'challenge' : 'allow';
    const challenges = new Set<Challenge>();
    let retryAfterMs: number | undefined;
    for (const verdict of found.verdicts) {
      if (strength[verdict.decision] > strength[decision]) decision = verdict.decision;
      for (const challenge of verdict.challenges ?? []) challenges.add(challenge);
      if (verdict.retryAfterMs !== undefined)
        retryAfterMs = Math.max(retryAfterMs ?? 0, verdict.retryAfterMs);
    }
    if (decision === 'challenge' && challenges.size === 0) {
      for (const challenge of ownerChallenges(event, history)) challenges.add(challenge);
    }
    const actions = new Set<AtoAction>(found.actions);
    // Someone was refused in the owner's name: the owner hears of it on their own devices.
    if (
      event.account &&
      (decision === 'deny' || decision === 'lock_device') &&
      scoredEvents.has(event.type)
    ) {
      actions.add('notify_user');
    }
    const assessment: Assessment = { decision, score, reasons, actions: [...actions] };
    if (decision !== 'allow' && challenges.size > 0) assessment.challenges = [...challenges];
    if (decision !== 'allow' && retryAfterMs !== undefined) assessment.retryAfterMs = retryAfterMs;
    return assessment;
  }

  async function run(event: AuthEvent, facts: KnownFacts | undefined, caller: string): Promise<Assessed> {
    const assessedAt = clock.now();
    const extra: AtoReason[] = [];
    if (event.time > assessedAt + config.clockSkew) {
      extra.push({
        code: 'event.time_in_future',
        message: `The event’s time is ${Math.round((event.time - assessedAt) / 1000)} s ahead of Custos’s clock; Custos’s time was used.`,
        contribution: 0,
      });
      event = { ...event, time: assessedAt };
    }
    const features = deps.enrich(event, facts);
    const account = event.account;
    const work = async (): Promise<Assessed> => {
      const history = account === undefined ? undefined : await deps.histories.get(account);
      const model = scoredEvents.has(event.type) ? deps.score(features, history) : { score: 0, reasons: [] };
      const found = await findings(event, features, history);
      const assessment = decide(event, history, [...extra, ...model.reasons, ...found.reasons], found);
      const id = newId('atd', clock);
      const body = decisionBody({ event, features, assessment, caller, assessedAt });
      await deps.record(id, body);
      if (account !== undefined) {
        deps.histories.put(deps.observe(history, event, features, assessment.decision === 'allow'));
      }
      deps.tallies.record(assessment.decision, leadingReason(assessment), event.time);
      if (assessment.actions.length > 0) await deps.respond(id, body);
      return { id, assessment, duplicate: false };
    };
    // One account's events are assessed one at a time, so each sees the history the last one left.
    return account === undefined ? work() : deps.histories.exclusive(account, work);
  }

  return {
    /** Assesses one event; a repeated event id from the same caller gets its first answer again. */
    assess(event: AuthEvent, caller: string, facts?: KnownFacts): Promise<Assessed> {
      if (event.eventId === undefined) return run(event, facts, caller);
      const key = `${caller}\u0000${event.eventId}`;
      const earlier = recent.get(key);
      if (earlier) return earlier.then((answer) => ({ ...answer, duplicate: true }));
      const answer = run(event, facts, caller);
      rememberEvent(key, answer);
      return answer;
    },
  };
}

export type Assess = ReturnType<typeof createAssess>;
