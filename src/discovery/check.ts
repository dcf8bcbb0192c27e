import type { Clock } from '../core/clock.js';
import type { DiscoveryConfig } from '../core/config.discovery.js';
import type { Reason } from '../core/decision.js';
import { CustosError, isCustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Rates } from '../limits/rates.js';
import type { AccountStates } from '../store/account-state.js';
import { newDiscoveryAccount } from './accounts.js';
import type { Canaries } from './canaries.js';
import type { FleetTracker } from './fleets.js';
import { type LimitDimension, planLimits } from './limits.js';
import { type ReadNumber, readNumbers } from './numbers.js';
import { createQuota } from './quota.js';
import { addEvidence, checkEvidence, judge, strongest, verdictOf, weakest } from './signals.js';
import type { DiscoveryAccount, DiscoveryDecision, DiscoveryRequest, DiscoveryVerdict } from './types.js';

/** What the ledger keeps of a check that was not a plain allow (`discovery.decision`). */
export interface DiscoveryRecordBody {
  at: number;
  decidedAt: number;
  account: string;
  device: string;
  ip: string;
  asn: number | null;
  mode: DiscoveryRequest['mode'];
  caller: string;
  decision: DiscoveryVerdict;
  /** The enumeration score (signals.ts). */
  score: number;
  allowed: number;
  /** Canary numbers answered "registered". */
  canaries: number;
  retryAfterMs: number | null;
  counts: DiscoveryDecision['counts'];
  reasons: Reason[];
}

export interface CheckDeps {
  clock: Clock;
  config: DiscoveryConfig;
  rates: Rates;
  accounts: Pick<AccountStates<DiscoveryAccount>, 'get' | 'put' | 'exclusive'>;
  fingerprint(text: string): number;
  /** Durably records a decision that was not a plain allow; throws when it cannot. */
  record(id: string, body: DiscoveryRecordBody): Promise<void>;
  /** Checks remembered for results reports; 100,000 by default. */
  recentChecks?: number;
  canaries: Canaries;
  /** Fleets found among recent accounts; none when absent. */
  fleets?: FleetTracker;
  /** Durably records canary numbers answered "registered" to an account; throws when it cannot. */
  recordCanaries(exposures: CanaryExposure[]): Promise<void>;
}

/** A canary number answered "registered" to an account: what a leaked dump is traced back to. */
export interface CanaryExposure {
  number: string;
  account: string;
  cohort: string;
  period: number;
  at: number;
  check: string;
}

const limitWords: Record<LimitDimension, string> = {
  account: 'this account',
  device: 'this device',
  ip: 'this address',
  subnet: 'this address’s subnet',
  asn: 'this network',
  prefix: 'a destination prefix',
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** How long a client waits when the shared limits cannot be asked (`limitsUnavailable: throttle`). */
const unavailableRetryMs = 60_000;

/**
 * Decides one contact-discovery check: reads the numbers, charges the shared limits (all or
 * nothing) and the account's new-number quota, and answers which numbers may be answered
 * truthfully. An account is charged only for numbers it was never answered before; a check that
 * finds the quota short answers the known numbers and as many new ones as remain (`partial`).
 * Checks of one account run one at a time, so two syncs cannot spend the same allowance.
 */
export function createCheck(deps: CheckDeps) {
  const { clock, config } = deps;
  const quota = createQuota(config.quota);
  // Recent checks by id: whose they were and how many numbers they answered, until results come.
  const recent = new Map<string, { account: string; answered: number }>();
  const recentMax = deps.recentChecks ?? 100_000;

  async function limitsFor(
    request: DiscoveryRequest & { time: number },
    valid: number,
    fresh: readonly ReadNumber[],
  ) {
    const planned = planLimits(config.limits, request, valid, fresh);
    try {
      const result = await deps.rates.consumeAll(planned, request.time);
      return { ...result, planned, unavailable: false };
    } catch (error) {
      // `local` is a failover built around the rates; here only `throttle` is left to apply.
      if (!isCustosError(error, 'limits.unavailable')) throw error;
      return { allowed: false, refused: [], retryAfterMs: unavailableRetryMs, planned, unavailable: true };
    }
  }

  return {
    async check(input: DiscoveryRequest, caller: string): Promise<DiscoveryDecision> {
      const request = { ...input, time: input.time ?? clock.now() };
      if (request.numbers.length > config.batchMax) {
        throw new CustosError('request.too_large', `at most ${config.batchMax} numbers in one check`, {
          numbers: request.numbers.length,
        });
      }
      if (request.registered !== undefined && request.registered.length !== request.numbers.length) {
        throw new CustosError('request.invalid', '`registered` must have one entry per number');
      }
      const decidedAt = clock.now();
      const read = readNumbers(request.numbers, deps.fingerprint);
      return deps.accounts.exclusive(request.account, async () => {
        const state =
          (await deps.accounts.get(request.account)) ?? newDiscoveryAccount(request.account, request.time);
        const known: ReadNumber[] = [];
        const fresh: ReadNumber[] = [];
        for (const number of read.numbers) (state.seen.has(number.fingerprint) ? known : fresh).push(number);
        const counts = {
          numbers: request.numbers.length,
          invalid: read.invalid.length,
          duplicates: read.duplicates.length,
          new: fresh.length,
          known: known.length,
        };
        const reasons: Reason[] = [];
        if (read.invalid.length > 0) {
          reasons.push({
            code: 'numbers.invalid',
            message: `${plural(read.invalid.length, 'entry', 'entries')} neither E.164 with an assigned calling code nor a 64-digit hash: not answered.`,
          });
        }
        if (read.duplicates.length > 0) {
          reasons.push({
            code: 'numbers.duplicate',
            message: `${plural(read.duplicates.length, 'entry', 'entries')} repeated an earlier number of the same check: answered once.`,
          });
        }

        const found = checkEvidence({
          config: config.detection,
          numbers: read.numbers,
          fresh,
          seen: state.seen,
          fingerprint: deps.fingerprint,
          phone: request.phone,
          canaries: deps.canaries,
        });
        const evidence = addEvidence(state.evidence, found);
        const judged = judge(config, state, evidence, found.sorted);
        reasons.push(...judged.reasons);
        let score = judged.score;
        let decision: DiscoveryVerdict = judged.verdict;
        if (deps.fleets) {
          deps.fleets.observe(request, { ...state, evidence });
          const fleet = deps.fleets.fleetOf(request.account, request.time);
          if (fleet) {
            reasons.push({
              code: 'fleet.member',
              message: `One of ${fleet.accounts.length} accounts linked by shared addresses, subnets, devices or registration times that together look like enumeration (${fleet.judgement.reasons.map((r) => r.code).join(', ')}; ${fleet.evidence.asked} new numbers asked).`,
              contribution: fleet.judgement.score,
            });
            score += fleet.judgement.score;
            // Membership alone leads no further than `fleets.memberVerdict`: an account wrongly
            // linked (a shared address) is not cut off, and a real fleet, shadowed, keeps asking
            // and carries canaries into its dump.
            const linked = weakest(verdictOf(config.detection, score), config.fleets.memberVerdict);
            decision = strongest(decision, linked);
          }
        }

        let allowed: ReadNumber[] = [];
        let granted = 0;
        let retryAfterMs: number | undefined;
        if (decision === 'throttle') retryAfterMs = config.detection.throttleFor;
        if (decision === 'allow' || decision === 'shadow') {
          const limits = await limitsFor(request, read.numbers.length, fresh);
          if (!limits.allowed) {
            decision = 'throttle';
            retryAfterMs = limits.retryAfterMs;
            if (limits.unavailable) {
              reasons.push({
                code: 'limits.unavailable',
                message:
                  'The shared limits did not answer; checks wait until they do (discovery.limitsUnavailable).',
              });
            }
            const named = new Set<LimitDimension>();
            for (const i of limits.refused)
              named.add((limits.planned[i] as (typeof limits.planned)[number]).dimension);
            for (const dimension of named) {
              reasons.push({
                code: `limit.${dimension}`,
                message: `Too many numbers looked up from ${limitWords[dimension]} in the last ${Math.round(config.limits[dimension].period / 60_000)} minutes.`,
              });
            }
          } else if (decision === 'shadow') {
            // What it learnt already it may keep; every new number is answered "not registered".
            allowed = known;
          } else {
            granted = Math.min(quota.available(state.quotaTat, request.time), fresh.length);
            allowed = granted === fresh.length ? read.numbers : [...known, ...fresh.slice(0, granted)];
            if (granted < fresh.length) {
              decision = allowed.length > 0 ? 'partial' : 'throttle';
              retryAfterMs = quota.waitMs(quota.charge(state.quotaTat, request.time, granted), request.time);
              reasons.push({
                code: 'quota.exhausted',
                message: `${plural(fresh.length - granted, 'number')} new to this account went over its quota of new numbers (${config.quota.allowance} at first, then ${config.quota.refillPerHour} an hour): not answered.`,
              });
            }
          }
        }
        const indexes = allowed.map((n) => n.index).sort((a, b) => a - b);
        const id = newId('dch', clock);
        // Canaries answer "registered" wherever numbers are answered at all, shadow included: a
        // scraper's dump must carry them. Their keyed share differs per cohort.
        const exposures: CanaryExposure[] = [];
        const canaryIndexes: number[] = [];
        if (deps.canaries.enabled && (decision === 'shadow' || indexes.length > 0)) {
          const cohort = deps.canaries.cohort(request.account, request.time);
          for (const n of decision === 'shadow' ? read.numbers : allowed) {
            if (n.value === undefined) continue;
            const number = `+${n.value}`;
            if (deps.canaries.kind(number) !== 'canary' || !deps.canaries.registered(number, cohort))
              continue;
            canaryIndexes.push(n.index);
            exposures.push({
              number,
              account: request.account,
              cohort: cohort.id,
              period: cohort.period,
              at: request.time,
              check: id,
            });
          }
          canaryIndexes.sort((a, b) => a - b);
        }
        if (exposures.length > 0) await deps.recordCanaries(exposures);
        if (decision !== 'allow') {
          await deps.record(id, {
            at: request.time,
            decidedAt,
            account: request.account,
            device: request.device,
            ip: request.ip,
            asn: request.asn ?? null,
            mode: request.mode,
            caller,
            decision,
            score,
            allowed: indexes.length,
            canaries: canaryIndexes.length,
            retryAfterMs: retryAfterMs ?? null,
            counts,
            reasons,
          });
        }
        // The account changes only once the decision is recorded: a check that fails charges nothing.
        state.quotaTat = quota.charge(state.quotaTat, request.time, granted);
        for (const number of fresh.slice(0, granted)) state.seen.add(number.fingerprint);
        state.answered += indexes.length;
        state.evidence = evidence;
        if (request.registered) {
          state.reported += indexes.length;
          for (const i of indexes) if (request.registered[i] === true) state.registered++;
        } else if (indexes.length > 0) {
          recent.set(id, { account: request.account, answered: indexes.length });
          if (recent.size > recentMax) recent.delete(recent.keys().next().value as string);
        }
        state.lastSeen = Math.max(state.lastSeen, request.time);
        deps.accounts.put(state);
        return {
          id,
          decision,
          allowed: indexes,
          canaries: canaryIndexes,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          reasons,
          score,
          counts,
          quotaRemaining: quota.available(state.quotaTat, request.time),
        };
      });
    },

    /**
     * The platform's report of which answered numbers of a recent check were registered: the hit
     * rate, the strongest sign of a sweep (low) or of a list of known users replayed (high). A
     * check is reported once; checks are remembered on the node that made them, the last
     * `recentChecks` of them.
     */
    async report(input: {
      account: string;
      check: string;
      registered: number;
    }): Promise<{ hitRate: number | null }> {
      const made = recent.get(input.check);
      if (!made || made.account !== input.account) {
        throw new CustosError('resource.not_found', 'no recent check with this id for this account');
      }
      if (input.registered > made.answered) {
        throw new CustosError('request.invalid', 'more numbers registered than the check answered', {
          answered: made.answered,
        });
      }
      recent.delete(input.check);
      return deps.accounts.exclusive(input.account, async () => {
        const state = await deps.accounts.get(input.account);
        if (!state) throw new CustosError('resource.not_found', 'this account has made no check');
        state.reported += made.answered;
        state.registered += input.registered;
        deps.accounts.put(state);
        return { hitRate: state.registered / state.reported };
      });
    },
  };
}

export type DiscoveryCheck = ReturnType<typeof createCheck>;
