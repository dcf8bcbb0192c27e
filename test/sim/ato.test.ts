import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import {
  type Assessment,
  type Assessor,
  type AuthEvent,
  authEventTypes,
  type KnownFacts,
} from '../../src/ato/types.js';
import { createManualClock } from '../../src/core/clock.js';
import type { Attempt, Step, Truth } from '../../src/sim/ato/actors.js';
import { createAddressBook, ipv4ToNumber } from '../../src/sim/ato/addresses.js';
import { createSimTally } from '../../src/sim/ato/metrics.js';
import { createNumberPlan, isMobileOf } from '../../src/sim/ato/phones.js';
import { createPopulation } from '../../src/sim/ato/population.js';
import { createRandom } from '../../src/sim/ato/random.js';
import { runAtoSimulation, type SimDeps, type SimOptions } from '../../src/sim/ato/run.js';
import { distanceKm, travelMs } from '../../src/sim/ato/world.js';

type Received = { event: AuthEvent; facts?: KnownFacts };

const allow = (score = 0): Assessment => ({ decision: 'allow', score, reasons: [], actions: [] });

/**
 * A test double for the harness, not a takeover defence: it asks for the PIN when an account (or
 * a number without one) acts from a country it has not been seen in, and remembers what it got.
 */
function newCountryAssessor(): Assessor & { received: Received[] } {
  const seen = new Map<string, Set<string>>();
  const received: Received[] = [];
  return {
    received,
    async assess(event, facts) {
      received.push(facts === undefined ? { event } : { event, facts });
      const country = facts?.ip?.country ?? 'unknown';
      const key = event.account ?? event.phone ?? '';
      const countries = seen.get(key) ?? new Set<string>();
      seen.set(key, countries);
      const fresh = countries.size > 0 && !countries.has(country);
      if (event.outcome !== 'failure' && !fresh) countries.add(country);
      return fresh
        ? { decision: 'challenge', challenges: ['pin'], score: 1, reasons: [], actions: [] }
        : allow();
    },
  };
}

const small: SimOptions = {
  accounts: 300,
  days: 6,
  seed: 7,
  attacks: { sim_swap: 6, code_phishing: 6, otp_brute_force: 2, credential_replay: 1, sms_pumping: 1 },
  bruteForceBudget: 1_500,
};

async function run(assessor: Assessor, options: SimOptions = small, deps: Partial<SimDeps> = {}) {
  const steps: Array<{ step: Step; answer: Assessment }> = [];
  const report = await runAtoSimulation(
    {
      assessor,
      stopwatch: createManualClock(0),
      onEvent: (step, answer) => steps.push({ step, answer }),
      ...deps,
    },
    options,
  );
  return { report, steps };
}

describe('the takeover simulation', () => {
  it('sends the same events for the same seed, and others for another', async () => {
    const first = newCountryAssessor();
    const second = newCountryAssessor();
    const third = newCountryAssessor();
    await run(first);
    await run(second);
    await run(third, { ...small, seed: 8 });
    expect(first.received.length).toBeGreaterThan(1000);
    expect(second.received).toEqual(first.received);
    expect(third.received).not.toEqual(first.received);
  });

  it('never hands the assessor a label', async () => {
    const assessor = newCountryAssessor();
    const { steps } = await run(assessor);
    const eventKeys = new Set([
      'eventId',
      'type',
      'time',
      'account',
      'phone',
      'device',
      'ip',
      'userAgent',
      'outcome',
      'carrier',
    ]);
    for (const { event, facts } of assessor.received) {
      expect(Object.keys(event).filter((key) => !eventKeys.has(key))).toEqual([]);
      expect(authEventTypes).toContain(event.type);
      expect(Object.keys(facts ?? {}).filter((key) => key !== 'ip' && key !== 'agent')).toEqual([]);
      expect(JSON.stringify({ event, facts })).not.toMatch(
        /legit|attacker|sim_swap|phishing|brute|replay|pumping|decisive|truth/,
      );
    }
    // The truth exists all the same, beside each event.
    expect(new Set(steps.map(({ step }) => step.truth.actor))).toEqual(new Set(['legit', 'attacker']));
    expect(steps.length).toBe(assessor.received.length);
  });

  it('sends events in time order with unique ids', async () => {
    const assessor = newCountryAssessor();
    await run(assessor);
    const times = assessor.received.map(({ event }) => event.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const ids = new Set(assessor.received.map(({ event }) => event.eventId));
    expect(ids.size).toBe(assessor.received.length);
  });

  it('uses valid mobile numbers and one user agent per device', async () => {
    const assessor = newCountryAssessor();
    await run(assessor);
    const agents = new Map<string, string>();
    for (const { event } of assessor.received) {
      const parsed = parsePhoneNumberFromString(event.phone ?? '');
      expect(parsed?.isValid(), event.phone).toBe(true);
      expect(parsed?.getType(), event.phone).toBe('MOBILE');
      if (event.device && event.userAgent) {
        expect(agents.get(event.device) ?? event.userAgent).toBe(event.userAgent);
        agents.set(event.device, event.userAgent);
      }
    }
  });

  it('labels every attack kind, and scores the double as worked out from its rule', async () => {
    const { report, steps } = await run(newCountryAssessor());
    const kinds = new Set(steps.map(({ step }) => step.truth.kind));
    for (const kind of [
      'sim_swap',
      'code_phishing',
      'otp_brute_force',
      'credential_replay',
      'sms_pumping',
      'routine',
    ]) {
      expect(kinds).toContain(kind);
    }
    expect(report.takeovers.byKind.sim_swap.attempts).toBe(6);
    expect(report.takeovers.byKind.credential_replay.attempts).toBe(8);
    expect(report.addresses).toBe('listed');
    // The double never refuses a code guess from a country it has seen, so each campaign gets
    // its whole budget honoured but for guesses from new countries.
    const honoured = steps.filter(
      ({ step, answer }) =>
        step.truth.kind === 'otp_brute_force' &&
        step.event.type === 'otp_verify' &&
        answer.decision === 'allow',
    ).length;
    expect(report.bruteForce.honouredGuesses).toBe(honoured);
    // Legitimate logins at home are never challenged by it.
    expect(report.legitimate.byKind.routine.count).toBe(
      steps.filter(
        ({ step, answer }) =>
          step.truth.actor === 'legit' &&
          step.truth.kind === 'routine' &&
          step.event.time >= report.start + 2 * 86_400_000 &&
          answer.decision !== 'allow',
      ).length,
    );
  });

  it('keeps travellers on the ground while flying, and flights at airliner speed', async () => {
    const start = Date.UTC(2026, 0, 5);
    const population = createPopulation(
      createRandom(3),
      { addresses: createAddressBook(), numbers: createNumberPlan() },
      { size: 3000, start, end: start + 14 * 86_400_000, rates: { tripsPerDay: 0.01 } },
    );
    const travellers = population.filter((account) => account.trip);
    expect(travellers.length).toBeGreaterThan(100);
    for (const { trip, country } of travellers) {
      if (!trip) continue;
      const hours = (trip.arrive - trip.depart) / 3_600_000;
      expect(hours).toBe(travelMs(country, trip.country) / 3_600_000);
      expect(distanceKm(country, trip.country) / hours).toBeLessThan(850);
    }
    const { steps } = await run(allowAll(), { ...small, rates: { tripsPerDay: 0.02 } });
    const trips = steps.filter(({ step }) => step.truth.actor === 'legit' && step.truth.kind === 'travel');
    expect(trips.length).toBeGreaterThan(10);
  });

  it('draws addresses from addressesOf and leaves the facts to enrichment', async () => {
    const assessor = newCountryAssessor();
    const first = ipv4ToNumber('198.18.0.0') as number;
    const { report } = await run(assessor, small, {
      addressesOf: () => [['198.18.0.0', 198 * 2 ** 24 + 19 * 2 ** 16 + 65535]],
    });
    expect(report.addresses).toBe('lookup');
    for (const { event, facts } of assessor.received) {
      expect(facts).toBeUndefined();
      const ip = ipv4ToNumber(event.ip ?? '') as number;
      expect(ip).toBeGreaterThanOrEqual(first);
      expect(ip).toBeLessThan(first + 2 * 65536);
    }
  });

  it('has code guessers obey retryAfterMs and drop a locked device', async () => {
    const waits: Assessor = {
      async assess(event) {
        if (event.type === 'otp_verify' && event.outcome === 'failure') {
          return {
            decision: 'challenge',
            challenges: ['wait'],
            retryAfterMs: 60_000,
            score: 1,
            reasons: [],
            actions: [],
          };
        }
        return allow();
      },
    };
    const { steps, report } = await run(waits, {
      ...small,
      attacks: { ...small.attacks, otp_brute_force: 1 },
    });
    const lastGuess = new Map<string, number>();
    for (const { step } of steps) {
      if (step.truth.kind !== 'otp_brute_force' || step.event.type !== 'otp_verify') continue;
      const device = step.event.device as string;
      const previous = lastGuess.get(device);
      if (previous !== undefined) expect(step.event.time - previous).toBeGreaterThanOrEqual(60_000);
      lastGuess.set(device, step.event.time);
    }
    expect(report.bruteForce.honouredGuesses).toBe(0);
    expect(report.takeovers.byKind.otp_brute_force.stopped.share).toBe(1);

    const locks: Assessor = {
      async assess(event) {
        return event.type === 'otp_verify' && event.outcome === 'failure'
          ? { decision: 'lock_device', score: 1, reasons: [], actions: [] }
          : allow();
      },
    };
    const locked = await run(locks, { ...small, attacks: { ...small.attacks, otp_brute_force: 1 } });
    const guessesPerDevice = new Map<string, number>();
    for (const { step } of locked.steps) {
      if (step.truth.kind === 'otp_brute_force' && step.event.type === 'otp_verify') {
        const device = step.event.device as string;
        guessesPerDevice.set(device, (guessesPerDevice.get(device) ?? 0) + 1);
      }
    }
    expect(Math.max(...guessesPerDevice.values())).toBe(1);
  });

  it('counts owners locked out by a lockout that attackers trigger', async () => {
    // A naive per-number lockout: after three wrong codes, refuse everything for that number.
    const failures = new Map<string, number>();
    const lockout: Assessor = {
      async assess(event) {
        const number = event.phone ?? '';
        if ((failures.get(number) ?? 0) >= 3) return { decision: 'deny', score: 1, reasons: [], actions: [] };
        if (event.type === 'otp_verify' && event.outcome === 'failure')
          failures.set(number, (failures.get(number) ?? 0) + 1);
        return allow();
      },
    };
    const { report } = await run(lockout, { ...small, attacks: { ...small.attacks, otp_brute_force: 4 } });
    expect(report.ownersLockedOut).toBeGreaterThan(0);
    expect(report.bruteForce.worstPerNumberPerDay).toBeLessThanOrEqual(3);
  });
});

function allowAll(): Assessor {
  return { assess: async () => allow() };
}

describe('number plan', () => {
  it('hands out distinct valid mobile numbers and pumping ranges', () => {
    const plan = createNumberPlan();
    const random = createRandom('numbers');
    const numbers = Array.from({ length: 200 }, (_, i) =>
      plan.mobile(random, ['IN', 'DE', 'NG', 'BR'][i % 4] as string),
    );
    expect(new Set(numbers).size).toBe(200);
    for (const [i, number] of numbers.entries())
      expect(isMobileOf(number, ['IN', 'DE', 'NG', 'BR'][i % 4] as string)).toBe(true);
    const range = plan.range(random, 'KG');
    const walked = Array.from({ length: 50 }, () => range.next());
    expect(new Set(walked).size).toBe(50);
    for (const number of walked) {
      expect(number?.startsWith(range.prefix)).toBe(true);
      expect(isMobileOf(number ?? '', 'KG')).toBe(true);
    }
  });
});

describe('simulation metrics', () => {
  const legit = (
    kind: Truth['kind'],
    type: AuthEvent['type'],
    time: number,
    account: string,
    flow?: number,
  ): Step => ({
    event: { type, time, account },
    truth: { actor: 'legit', kind, account, ...(flow === undefined ? {} : { flow }) } as Truth,
  });
  const attack = (
    kind: Truth['kind'],
    attempt: number,
    type: AuthEvent['type'],
    decisive: boolean,
  ): Step => ({
    event: { type, time: 3000 },
    truth: { actor: 'attacker', kind, attempt, decisive } as Truth,
  });
  const answer = (
    decision: Assessment['decision'],
    score: number,
    challenges?: Assessment['challenges'],
  ): Assessment => ({
    decision,
    score,
    reasons: [],
    actions: [],
    ...(challenges ? { challenges } : {}),
  });

  it('adds up as worked out by hand', () => {
    const tally = createSimTally({ warmupEnd: 1000 });
    const attempts: Attempt[] = [
      { id: 0, kind: 'sim_swap', victim: 'a1', start: 2000, end: 3000, completed: false },
      { id: 1, kind: 'code_phishing', victim: 'a2', start: 2000, end: 2500, completed: true },
      { id: 2, kind: 'credential_replay', victim: 'a3', start: 2000, end: 2100, completed: false },
      { id: 3, kind: 'otp_brute_force', victim: 'a4', start: 5000, end: 8000, completed: false },
      {
        id: 4,
        kind: 'otp_brute_force',
        victim: 'a5',
        start: 5000,
        end: 8000,
        completed: false,
        budgetExhausted: true,
      },
      { id: 5, kind: 'sms_pumping', victim: undefined, start: 2000, end: 4000, completed: false },
    ];
    tally.record(attack('sim_swap', 0, 'registration_start', true), answer('deny', 0.9));
    tally.record(attack('code_phishing', 1, 'registration_start', true), answer('allow', 0.2));
    tally.record(attack('code_phishing', 1, 'otp_verify', true), answer('allow', 0.3));
    tally.record(attack('credential_replay', 2, 'login', true), answer('challenge', 0.6, ['captcha']));
    for (let i = 0; i < 150; i += 1)
      tally.record(attack('otp_brute_force', 3, 'otp_verify', true), answer('allow', 0.5));
    for (let i = 0; i < 50; i += 1)
      tally.record(attack('otp_brute_force', 4, 'otp_verify', true), answer('allow', 0.5));
    for (let i = 0; i < 10; i += 1)
      tally.record(attack('otp_brute_force', 4, 'otp_verify', true), answer('deny', 0.5));
    tally.record(attack('sms_pumping', 5, 'otp_request', false), answer('allow', 0.7));
    tally.record(attack('sms_pumping', 5, 'otp_request', false), answer('challenge', 0.7, ['captcha']));
    tally.record(attack('sms_pumping', 5, 'otp_request', false), answer('deny', 0.7));

    tally.record(legit('routine', 'login', 500, 'a9'), answer('deny', 0.1)); // warm-up: not scored
    tally.record(legit('routine', 'login', 1500, 'a9'), answer('allow', 0.1));
    tally.record(legit('routine', 'login', 1600, 'a9'), answer('allow', 0.1));
    tally.record(legit('routine', 'login', 1700, 'a9'), answer('allow', 0.95));
    tally.record(legit('routine', 'login', 1800, 'a9'), answer('challenge', 0.1, ['pin']));
    tally.record(legit('owner_alerted', 'login', 6000, 'a4'), answer('deny', 0.1)); // during attempt 3
    tally.record(legit('routine', 'login', 9000, 'a1'), answer('deny', 0.1)); // after attempt 0 ended
    tally.record(legit('new_phone', 'registration_start', 2000, 'a8', 7), answer('allow', 0.1));
    tally.record(legit('new_phone', 'otp_request', 2001, 'a8', 7), answer('challenge', 0.1, ['wait']));
    tally.record(legit('new_phone', 'otp_verify', 2100, 'a8', 7), answer('allow', 0.1));
    tally.record(legit('reinstall', 'registration_start', 2000, 'a7', 8), answer('allow', 0.1));
    tally.record(legit('reinstall', 'otp_verify', 2050, 'a7', 8), answer('allow', 0.1));

    const metrics = tally.finish(attempts);
    // 4 + 150 + 60 + 3 attack events, 12 legitimate ones.
    expect(metrics.events).toBe(229);
    expect(metrics.warmupEvents).toBe(1);
    // Stopped: the denied SIM swap, and the campaign with 50 honoured guesses (5e-5 < 1e-4); not
    // the phishing (allowed), the replay (a captcha), nor the campaign with 150 (1.5e-4).
    expect(metrics.takeovers.attempts).toBe(5);
    expect(metrics.takeovers.stopped).toEqual({ count: 2, of: 5, share: 0.4 });
    expect(metrics.takeovers.completed).toBe(1);
    expect(metrics.takeovers.byKind.otp_brute_force.stopped).toEqual({ count: 1, of: 2, share: 0.5 });
    expect(metrics.takeovers.byKind.credential_replay.stopped.count).toBe(0);
    expect(metrics.bruteForce).toEqual({
      campaigns: 2,
      honouredGuesses: 200,
      worstPerNumberPerDay: 150,
      successProbability: 150e-6,
      meanSuccessProbability: expect.closeTo(100e-6, 12),
      budgetExhausted: 1,
    });
    // Six scored logins: one challenged, two denied.
    expect(metrics.legitimate.loginsChallenged).toEqual({ count: 3, of: 6, share: 0.5 });
    expect(metrics.legitimate.loginsDenied).toEqual({ count: 2, of: 6, share: 2 / 6 });
    expect(metrics.legitimate.registrationsChallenged).toEqual({ count: 1, of: 2, share: 0.5 });
    expect(metrics.legitimate.byKind.routine).toEqual({ count: 2, of: 5, share: 0.4 });
    expect(metrics.legitimate.byKind.new_phone).toEqual({ count: 1, of: 3, share: 1 / 3 });
    expect(metrics.ownersLockedOut).toBe(1);
    expect(metrics.smsPumping).toEqual({
      campaigns: 1,
      requests: 3,
      letThrough: { count: 2, of: 3, share: 2 / 3 },
    });
    // Eleven scored legitimate events, ten at 0.1 and one at 0.95, above every attack score
    // (0.2 to 0.9): each attack event beats ten of eleven.
    expect(metrics.auc.overall).toEqual({ value: 10 / 11, errorBound: 0 });
    expect(metrics.auc.byKind.sim_swap.value).toBe(10 / 11);
  });
});
