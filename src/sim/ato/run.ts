import type { Assessment, Assessor } from '../../ato/types.js';
import type { Clock } from '../../core/clock.js';
import { CustosError } from '../../core/errors.js';
import { type AttackKind, type Attempt, attackKinds, day, type SimWorld, type Step } from './actors.js';
import { type AddressesOf, createAddressBook } from './addresses.js';
import { otpBruteForce } from './attacks.bruteforce.js';
import { codePhishing, credentialReplay, simSwap } from './attacks.js';
import { smsPumping } from './attacks.pumping.js';
import { accountLife } from './legit.js';
import { createSimTally, type SimMetrics } from './metrics.js';
import { createNumberPlan } from './phones.js';
import { type Account, createPopulation, defaultRates, type PopulationRates } from './population.js';
import { createRandom } from './random.js';
import { createScheduler } from './scheduler.js';

/**
 * The takeover simulation end to end: a seeded population lives through `days` of event time
 * while attackers work on some of its accounts, every event goes to the Assessor, and the
 * answers are scored against what really happened.
 */

export interface SimOptions {
  accounts: number;
  days: number;
  seed: number;
  /** Event time of the first day (default 2026-01-05T00:00Z). */
  start?: number;
  /** Days at the start with no attacks and no legitimate scoring, while history builds (default 2). */
  warmupDays?: number;
  /** How many of each attack to launch (default: scaled from 5,000 accounts over 14 days). */
  attacks?: Partial<Record<AttackKind, number>>;
  rates?: Partial<PopulationRates>;
  /** Guesses one brute-force campaign makes at most (default 20,000). */
  bruteForceBudget?: number;
  /** Events this close in event time go to the assessor together (default 0: one at a time). */
  concurrencyWindowMs?: number;
}

export interface SimDeps {
  assessor: Assessor;
  /** Wall time, for events per second only. */
  stopwatch: Clock;
  /** The enrichment's ASN ranges: real addresses, looked up by the assessor itself. */
  addressesOf?: AddressesOf;
  /** The enrichment's country lookup, to keep home addresses at home. */
  locate?: (ip: string) => string | undefined;
  /** Event time simulated so far, in ms, of the total. */
  onProgress?: (done: number, total: number) => void;
  /** Sees every event with its truth and answer, e.g. to write a labelled log. */
  onEvent?: (step: Step, answer: Assessment) => void;
}

export interface SimReport extends SimMetrics {
  seed: number;
  accounts: number;
  days: number;
  start: number;
  /** Attacks launched by kind (campaigns for credential replay and SMS pumping). */
  launched: Record<AttackKind, number>;
  /** `lookup`: addresses from `addressesOf`, facts left to enrichment; `listed`: built-in ranges, facts sent. */
  addresses: 'lookup' | 'listed';
  wallMs: number;
  eventsPerSecond: number;
}

/** Attacks per 5,000 accounts over 14 days, far above the real rate so that each kind is measurable. */
export const attacksPer5000x14: Record<AttackKind, number> = {
  sim_swap: 30,
  code_phishing: 40,
  otp_brute_force: 4,
  credential_replay: 6,
  sms_pumping: 3,
};

const replayTargets = 8;

function attackCounts(options: SimOptions): Record<AttackKind, number> {
  const scale = (options.accounts / 5000) * (options.days / 14);
  return Object.fromEntries(
    attackKinds.map((kind) => [
      kind,
      options.attacks?.[kind] ?? Math.max(1, Math.round(attacksPer5000x14[kind] * scale)),
    ]),
  ) as Record<AttackKind, number>;
}

/** Runs the simulation against `deps.assessor` and scores it. */
export async function runAtoSimulation(deps: SimDeps, options: SimOptions): Promise<SimReport> {
  if (!Number.isInteger(options.accounts) || options.accounts < 1) {
    throw new CustosError('request.invalid', 'the simulation needs at least one account');
  }
  if (!(options.days > 0)) throw new CustosError('request.invalid', 'the simulation needs at least one day');
  const started = deps.stopwatch.now();
  const start = options.start ?? Date.UTC(2026, 0, 5);
  const end = start + Math.round(options.days * day);
  const warmupEnd = start + Math.round(Math.min(options.warmupDays ?? 2, options.days / 2) * day);
  const root = createRandom(options.seed);
  const rates = { ...defaultRates, ...options.rates };
  const attempts: Attempt[] = [];
  const tally = createSimTally({ warmupEnd });
  const scheduler = createScheduler({
    assessor: deps.assessor,
    end,
    concurrencyWindowMs: options.concurrencyWindowMs ?? 0,
    observe: (step, answer) => {
      tally.record(step, answer);
      deps.onEvent?.(step, answer);
    },
    ...(deps.onProgress
      ? { onProgress: (time: number) => deps.onProgress?.(time - start, end - start) }
      : {}),
  });
  let flows = 0;
  const world: SimWorld = {
    start,
    end,
    addresses: createAddressBook({
      ...(deps.addressesOf ? { addressesOf: deps.addressesOf } : {}),
      ...(deps.locate ? { locate: deps.locate } : {}),
    }),
    numbers: createNumberPlan(),
    openAttempt(kind, victim, time) {
      const attempt: Attempt = {
        id: attempts.length,
        kind,
        victim,
        start: time,
        end: time,
        completed: false,
      };
      attempts.push(attempt);
      return attempt;
    },
    spawn: (actor, at) => scheduler.spawn(actor, at),
    nextFlow: () => flows++,
    random: (label) => root.fork(label),
  };

  const population = createPopulation(root.fork('population'), world, {
    size: options.accounts,
    start,
    end,
    rates,
  });
  for (const account of population) scheduler.spawn(accountLife(world, account, rates), start);

  // Attacks start after the warm-up and at least a day before the end where the run allows.
  const planner = root.fork('attacks');
  const from = warmupEnd;
  const to = Math.max(from + 1, end - Math.min(day, (end - from) / 2));
  const when = () => Math.round(planner.between(from, to));
  const candidates = population.filter((account) => account.joinedAt === undefined);
  const victims = (n: number): Account[] => {
    const chosen: Account[] = [];
    while (chosen.length < n && candidates.length > 0) {
      chosen.push(candidates.splice(planner.int(0, candidates.length), 1)[0] as Account);
    }
    return chosen;
  };
  const launched = attackCounts(options);
  for (const victim of victims(launched.sim_swap)) {
    const at = when();
    scheduler.spawn(simSwap(world, victim, at), at);
  }
  for (const victim of victims(launched.code_phishing)) {
    const at = when();
    scheduler.spawn(codePhishing(world, victim, at), at);
  }
  for (const victim of victims(launched.otp_brute_force)) {
    const at = when();
    const budget = options.bruteForceBudget ?? 20_000;
    scheduler.spawn(otpBruteForce(world, victim, rates, at, { budget }), at);
  }
  for (let campaign = 0; campaign < launched.credential_replay; campaign += 1) {
    const at = when();
    scheduler.spawn(credentialReplay(world, victims(replayTargets), at, campaign), at);
  }
  for (let campaign = 0; campaign < launched.sms_pumping; campaign += 1) {
    const at = when();
    scheduler.spawn(smsPumping(world, at, campaign), at);
  }

  const events = await scheduler.run();
  deps.onProgress?.(end - start, end - start);
  const wallMs = Math.max(0, deps.stopwatch.now() - started);
  return {
    ...tally.finish(attempts),
    seed: options.seed,
    accounts: options.accounts,
    days: options.days,
    start,
    launched,
    addresses: deps.addressesOf ? 'lookup' : 'listed',
    wallMs,
    eventsPerSecond: wallMs > 0 ? (events / wallMs) * 1000 : 0,
  };
}
