import { describe, expect, it } from 'vitest';
import { type AssessDeps, createAssess, type RuleEngine } from '../../src/ato/assess.js';
import type { DecisionBody } from '../../src/ato/decisions.js';
import type { AccountHistory, AtoReason, AuthEvent, Features, RuleFindings } from '../../src/ato/types.js';
import { createManualClock } from '../../src/core/clock.js';
import { CustosError } from '../../src/core/errors.js';

// The combiner on its own: enrichment, model and rules are replaced by fixed answers here, so each
// test states exactly which contributions and verdicts go in and checks the decision that comes out.
// The real parts have tests of their own and meet in test/api/ato.test.ts.

const features: Features = {
  ip: { kind: 'public', version: 4, address: '203.0.113.9', country: 'DE', asn: 3320, hosting: false },
  phone: { status: 'valid', e164: '+4915112345678', country: 'DE', type: 'mobile', prefix: '+49151' },
  agent: { status: 'parsed', browser: 'Chrome 120', os: 'Android 14', deviceType: 'mobile' },
  hour: 10,
};

const reason = (code: string, contribution: number): AtoReason => ({ code, message: code, contribution });
const noFindings = (): RuleFindings => ({ reasons: [], verdicts: [], actions: [] });

function history(account: string, extra: Partial<AccountHistory> = {}): AccountHistory {
  return {
    account,
    observations: 10,
    firstSeen: 0,
    lastSeen: 0,
    tables: {},
    devices: [],
    ...extra,
  };
}

function harness(
  options: {
    model?: AtoReason[];
    findings?: () => RuleFindings | Promise<RuleFindings>;
    local?: () => RuleFindings;
    stored?: AccountHistory;
    countersUnavailable?: 'local' | 'challenge';
    record?: (id: string, body: DecisionBody) => Promise<number>;
  } = {},
) {
  const clock = createManualClock(Date.UTC(2026, 10, 30, 12));
  const recorded: DecisionBody[] = [];
  const observed: AuthEvent[] = [];
  const responded: string[] = [];
  const tallied: string[] = [];
  const histories = new Map<string, AccountHistory>();
  if (options.stored) histories.set(options.stored.account, options.stored);
  const rules: RuleEngine = { evaluate: async () => (options.findings ?? noFindings)() };
  const deps: AssessDeps = {
    clock,
    config: {
      thresholds: { challenge: 4, deny: 12 },
      countersUnavailable: options.countersUnavailable ?? 'local',
      clockSkew: 300_000,
      dedupeCache: 100,
    },
    enrich: () => features,
    score: () => {
      const reasons = options.model ?? [];
      return { score: reasons.reduce((sum, r) => sum + r.contribution, 0), reasons };
    },
    rules,
    localRules: { evaluate: async () => (options.local ?? noFindings)() },
    observe: (before, event, _features, learn) => {
      if (!learn) return before ?? history(event.account as string, { observations: 0 });
      observed.push(event);
      return history(event.account as string, { observations: (before?.observations ?? 0) + 1 });
    },
    histories: {
      get: async (account) => histories.get(account),
      put: (h) => void histories.set(h.account, h),
      exclusive: (_account, work) => work(),
    },
    record:
      options.record ??
      (async (_id, body) => {
        recorded.push(body);
        return recorded.length;
      }),
    tallies: { record: (decision, leading) => void tallied.push(`${decision}:${leading}`) },
    respond: async (id) => void responded.push(id),
  };
  return { assess: createAssess(deps), clock, recorded, observed, responded, tallied, histories };
}

const login = (extra: Partial<AuthEvent> = {}): AuthEvent => ({
  type: 'login',
  time: Date.UTC(2026, 10, 30, 11),
  account: 'u1',
  device: 'd1',
  outcome: 'success',
  ...extra,
});

describe('assessment', () => {
  it('sums model and rule contributions and compares the sum with the thresholds', async () => {
    // 1.5 + 2.25 = 3.75 < 4: allowed; adding 0.25 reaches 4.0: challenged; 12 or more: denied.
    const below = harness({
      model: [reason('model.country', 1.5)],
      findings: () => ({ ...noFindings(), reasons: [reason('rule.hosting', 2.25)] }),
    });
    const allowed = await below.assess.assess(login(), 'key_a');
    expect(allowed.assessment).toMatchObject({ decision: 'allow', score: 3.75 });
    expect(allowed.assessment.challenges).toBeUndefined();

    const at = harness({
      model: [reason('model.country', 1.75)],
      findings: () => ({ ...noFindings(), reasons: [reason('rule.hosting', 2.25)] }),
    });
    expect((await at.assess.assess(login(), 'key_a')).assessment).toMatchObject({
      decision: 'challenge',
      score: 4,
    });

    const high = harness({
      model: [reason('model.country', 7)],
      findings: () => ({ ...noFindings(), reasons: [reason('rule.sim_swap', 5)] }),
    });
    expect((await high.assess.assess(login(), 'key_a')).assessment).toMatchObject({
      decision: 'deny',
      score: 12,
    });
  });

  it('lets the strongest rule verdict win over a low score, with the longest wait', async () => {
    const h = harness({
      findings: () => ({
        reasons: [reason('otp.device_backoff', 0.5)],
        verdicts: [
          { decision: 'challenge', challenges: ['wait'], retryAfterMs: 60_000 },
          { decision: 'lock_device', retryAfterMs: 3_600_000 },
        ],
        actions: [],
      }),
    });
    const { assessment } = await h.assess.assess(login({ type: 'otp_verify', outcome: 'failure' }), 'key_a');
    expect(assessment.decision).toBe('lock_device');
    expect(assessment.retryAfterMs).toBe(3_600_000);
    expect(assessment.challenges).toEqual(['wait']);
  });

  it('asks for what the owner can do when the score alone challenges: PIN and old-device approval', async () => {
    const stored = history('u1', { pinEnabled: true, activeDevice: { id: 'old-phone', lastActive: 0 } });
    const h = harness({ model: [reason('model.country', 5)], stored });
    const { assessment } = await h.assess.assess(
      login({ type: 'registration_start', device: 'new-phone' }),
      'key_a',
    );
    expect(assessment.decision).toBe('challenge');
    expect(assessment.challenges).toEqual(['pin', 'old_device_approval']);

    // Without a PIN or another device there is nothing the owner holds: a captcha.
    const bare = harness({ model: [reason('model.country', 5)] });
    expect((await bare.assess.assess(login(), 'key_a')).assessment.challenges).toEqual(['captcha']);
  });

  it('records every answer before returning it, and learns only from allowed events', async () => {
    const h = harness({ model: [reason('model.country', 5)] });
    await h.assess.assess(login(), 'key_a');
    expect(h.recorded).toHaveLength(1);
    expect(h.recorded[0]).toMatchObject({
      decision: 'challenge',
      account: 'u1',
      caller: 'key_a',
      phone: '+4915112345678',
    });
    expect(h.observed).toHaveLength(0);
    expect(h.tallied).toEqual(['challenge:model.country']);

    const quiet = harness();
    await quiet.assess.assess(login(), 'key_a');
    expect(quiet.observed).toHaveLength(1);
    expect(quiet.histories.get('u1')?.observations).toBe(1);
    expect(quiet.tallied).toEqual(['allow:none']);
  });

  it('fails without an answer when the decision cannot be recorded, and a retry is assessed afresh', async () => {
    let fail = true;
    const h = harness({
      record: async () => {
        if (fail) throw new CustosError('ledger.unavailable');
        return 1;
      },
    });
    await expect(h.assess.assess(login({ eventId: 'e1' }), 'key_a')).rejects.toMatchObject({
      code: 'ledger.unavailable',
    });
    expect(h.observed).toHaveLength(0);
    fail = false;
    const retried = await h.assess.assess(login({ eventId: 'e1' }), 'key_a');
    expect(retried.duplicate).toBe(false);
  });

  it('answers a repeated event id with the first answer, per caller, without counting it again', async () => {
    let evaluations = 0;
    const h = harness({
      findings: () => {
        evaluations++;
        return noFindings();
      },
    });
    const first = await h.assess.assess(login({ eventId: 'e1' }), 'key_a');
    const again = await h.assess.assess(login({ eventId: 'e1', outcome: 'failure' }), 'key_a');
    expect(again).toEqual({ ...first, duplicate: true });
    expect(evaluations).toBe(1);
    // Another caller's id space is its own.
    const other = await h.assess.assess(login({ eventId: 'e1' }), 'key_b');
    expect(other.id).not.toBe(first.id);
    expect(evaluations).toBe(2);
  });

  it('replaces an event time ahead of the clock by more than the allowed skew, and says so', async () => {
    const h = harness();
    const now = h.clock.now();
    const { assessment } = await h.assess.assess(login({ time: now + 3_600_000 }), 'key_a');
    expect(assessment.reasons.map((r) => r.code)).toContain('event.time_in_future');
    expect(h.recorded[0]?.at).toBe(now);
    // Within the skew the platform's time stands.
    await h.assess.assess(login({ time: now + 60_000 }), 'key_a');
    expect(h.recorded[1]?.at).toBe(now + 60_000);
  });

  it('counts locally when shared counters are down and configured so, or challenges when configured so', async () => {
    const down = () => {
      throw new CustosError('limits.unavailable');
    };
    const local = harness({
      findings: down,
      local: () => ({ ...noFindings(), reasons: [reason('rule.local', 1)] }),
    });
    const answer = (await local.assess.assess(login(), 'key_a')).assessment;
    expect(answer.decision).toBe('allow');
    expect(answer.reasons.map((r) => r.code)).toEqual(['rule.local', 'ato.counters_local']);

    const closed = harness({ findings: down, countersUnavailable: 'challenge' });
    const refused = (await closed.assess.assess(login(), 'key_a')).assessment;
    expect(refused).toMatchObject({ decision: 'challenge', challenges: ['captcha'] });
    expect(refused.reasons.map((r) => r.code)).toEqual(['ato.counters_unavailable']);
  });

  it('adds notify_user when someone is refused in the owner’s name, and hands actions to the responder', async () => {
    const h = harness({ model: [reason('model.country', 13)] });
    const { id, assessment } = await h.assess.assess(login({ type: 'registration_start' }), 'key_a');
    expect(assessment.decision).toBe('deny');
    expect(assessment.actions).toEqual(['notify_user']);
    expect(h.responded).toEqual([id]);
  });

  it('does not score events where nobody claims to be the owner, such as a code request', async () => {
    const h = harness({ model: [reason('model.country', 20)] });
    const { assessment } = await h.assess.assess(
      { type: 'otp_request', time: h.clock.now(), phone: '+4915112345678' },
      'key_a',
    );
    expect(assessment).toMatchObject({ decision: 'allow', score: 0, reasons: [] });
  });
});
