import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRules, type Rules } from '../../src/ato/rules.js';
import { reasonCodes } from '../../src/ato/rules.reasons.js';
import type { AccountHistory, AuthEvent, Features } from '../../src/ato/types.js';
import { atoRulesConfig } from '../../src/core/config.ato.rules.js';
import { configKeys } from '../../src/core/config.js';
import { isCustosError } from '../../src/core/errors.js';
import { createFailoverCounters, createMemoryCounters, createRedisCounters } from '../../src/limits/index.js';
import {
  type CountersHarness,
  codes,
  config,
  counterBackends,
  event,
  features,
  h,
  history,
  rulesOn,
  s,
  T0,
} from '../support/ato.js';

describe.each(counterBackends)('rules on %s counters, given odd input', (_name, open) => {
  let harness: CountersHarness;
  let rules: Rules;
  beforeEach(() => {
    harness = open();
    rules = rulesOn(harness);
  });
  afterEach(() => harness.dispose());

  it('reads and writes every counter of an event in one batch', async () => {
    await rules.evaluate(
      event({ type: 'otp_verify', outcome: 'success', device: 'new-phone' }),
      features(),
      history(),
    );
    expect(harness.batches).toHaveLength(1);
    // Code gates (device, address, number), pumping (prefix, country, IP, ASN: requests and
    // successes) and velocity (IP, subnet, ASN, device): 3 + 8 + 4 ops.
    expect(harness.batches[0]?.map((op) => op.type)).toEqual([
      ...Array(3).fill('pace'),
      ...Array(8).fill('count'),
      ...Array(4).fill('distinct'),
    ]);
  });

  it.each([
    ['a NaN time', { time: Number.NaN }],
    ['a negative time', { time: -1 }],
    ['a fractional time', { time: T0 + 0.5 }],
    ['a time as text', { time: '2026-01-01' as unknown as number }],
    ['an unknown type', { type: 'password_reset' as AuthEvent['type'] }],
  ])('rejects an event with %s as request.invalid and counts nothing', async (_case, overrides) => {
    const error = await rules
      .evaluate({ ...event({ type: 'otp_verify', outcome: 'failure' }), ...overrides }, features(), history())
      .catch((e: unknown) => e);
    expect(isCustosError(error, 'request.invalid')).toBe(true);
    expect(harness.batches).toHaveLength(0);
  });

  it('takes empty features and a corrupt history as absent, without throwing', async () => {
    const corrupt = {
      account: 'acct-owner',
      devices: 'not a list',
      activeDevice: { id: 42, lastActive: 'yesterday' },
      tables: null,
      lastLocation: { time: 'then', latitude: 'north', longitude: 13 },
      pinEnabled: 'yes',
      simSwapAt: 'recently',
    } as unknown as AccountHistory;
    const answer = await rules.evaluate(
      event({ type: 'otp_verify', outcome: 'failure', device: 'some-phone' }),
      {} as Features,
      corrupt,
    );
    expect(codes(answer)).toEqual(['ip.absent', 'agent.absent']);
    expect(answer.verdicts).toEqual([]);
  });

  it('refuses code attempts and requests that name no number', async () => {
    for (const type of ['otp_verify', 'otp_request'] as const) {
      const answer = await rules.evaluate(
        event({ type, outcome: 'failure', phone: '   ' }),
        features({ phone: { status: 'absent', e164: undefined, prefix: undefined, country: undefined } }),
        history(),
      );
      expect(codes(answer), type).toContain('event.subject_missing');
      expect(answer.verdicts).toContainEqual({ decision: 'deny' });
    }
  });

  it('hashes hostile identifiers into keys, so they neither break nor escape their counter', async () => {
    const device = `}{victim}|${'x'.repeat(5000)}`;
    const attempt = (seconds: number) =>
      rules.evaluate(
        event({
          type: 'otp_verify',
          time: T0 + seconds * s,
          outcome: 'failure',
          device,
          ip: '{1.2.3.4}',
          phone: '+49 (0) 151~1',
        }),
        features({
          ip: { address: '{1.2.3.4}', subnet: '}/24' },
          phone: { status: 'invalid', e164: undefined },
        }),
        history(),
      );
    for (const seconds of [0, 1, 2]) expect(codes(await attempt(seconds))).toEqual(['phone.invalid']);
    // The same hostile device is the same device: its fourth failure waits (1 min after 2 s).
    const fourth = await attempt(3);
    expect(codes(fourth)).toEqual(['otp.device_backoff', 'phone.invalid']);
    expect(fourth.verdicts).toEqual([{ decision: 'lock_device', retryAfterMs: 59 * s }]);
  });

  it('takes an outcome it does not know as a peek that counts nothing', async () => {
    for (let i = 0; i < 10; i++) {
      const odd = {
        ...event({ type: 'otp_verify', time: T0 + i * s, device: 'owner-phone' }),
        outcome: 'maybe',
      } as unknown as AuthEvent;
      expect((await rules.evaluate(odd, features(), history())).verdicts).toEqual([]);
    }
    const failures = [0, 1, 2, 3].map((i) =>
      event({ type: 'otp_verify', time: T0 + (20 + i) * s, outcome: 'failure' }),
    );
    const answers = [];
    for (const failure of failures) answers.push(await rules.evaluate(failure, features(), history()));
    expect(answers.map((a) => a.verdicts.length)).toEqual([0, 0, 0, 1]);
  });

  it('judges a late event against the events after it and counts it in its own hour', async () => {
    const failure = (time: number) =>
      rules.evaluate(event({ type: 'otp_verify', time, outcome: 'failure' }), features(), history());
    for (const seconds of [0, 1, 2]) await failure(T0 + h + seconds * s);
    // Arriving now, stamped an hour earlier: 3 failures within its reach (later ones), the latest
    // at 1 h 2 s, so it waits until 1 h 1 min 2 s: 3,662 s from its own time.
    expect((await failure(T0)).verdicts).toEqual([{ decision: 'lock_device', retryAfterMs: 3662 * s }]);
    // Stamped 25 h before them, it is out of their reach (24 hourly buckets each way): it passes,
    // and is counted in an hour of its own.
    expect((await failure(T0 - 24 * h)).verdicts).toEqual([]);
    // And it does not count towards today: 1 min after 1 h 2 s the device may try again.
    expect((await failure(T0 + h + 62 * s)).verdicts).toEqual([]);
  });

  it('answers a repeated code request with a wait, so no second code goes out', async () => {
    const request = event({ type: 'otp_request', time: T0 + 5 * s });
    expect((await rules.evaluate(request, features(), history())).verdicts).toEqual([]);
    expect((await rules.evaluate(request, features(), history())).verdicts).toEqual([
      { decision: 'challenge', challenges: ['wait'], retryAfterMs: 60 * s },
    ]);
  });

  it('counts a repeated login once per account for velocity, and a repeated failure twice', async () => {
    const login = event({ type: 'login', outcome: 'success', device: 'shared-phone' });
    for (let i = 0; i < 5; i++) expect(codes(await rules.evaluate(login, features(), history()))).toEqual([]);
    // Without an event id to tell them apart, a repeated wrong code is another wrong code (the
    // assessment answers a repeated eventId from its own record before the rules are asked).
    const wrong = event({ type: 'otp_verify', outcome: 'failure' });
    for (let i = 0; i < 3; i++) await rules.evaluate(wrong, features(), history());
    expect(codes(await rules.evaluate(wrong, features(), history()))).toEqual(['otp.device_backoff']);
  });

  it('runs no batch for an event that needs no counter', async () => {
    await rules.evaluate(event({ type: 'session_revoked' }), features(), history());
    await rules.evaluate(event({ type: 'sim_change' }), features(), history());
    expect(harness.batches).toHaveLength(0);
  });
});

describe('rules without Redis', () => {
  const down = () => createRedisCounters({ url: 'redis://127.0.0.1:1', keyPrefix: 'custos_test:' });

  it('passes limits.unavailable on, for the caller to apply its outage policy', async () => {
    const counters = down();
    try {
      const rules = createRules({ counters, config: config() });
      const error = await rules
        .evaluate(event({ type: 'otp_verify', outcome: 'failure' }), features(), history())
        .catch((e: unknown) => e);
      expect(isCustosError(error, 'limits.unavailable')).toBe(true);
    } finally {
      await counters.close();
    }
  });

  it('decides on local counters when told to fail open', async () => {
    const counters = createFailoverCounters({ primary: down(), fallback: createMemoryCounters() });
    try {
      const rules = createRules({ counters, config: config() });
      const failure = (seconds: number) =>
        rules.evaluate(
          event({ type: 'otp_verify', time: T0 + seconds * s, outcome: 'failure' }),
          features(),
          history(),
        );
      for (const seconds of [0, 1, 2]) expect((await failure(seconds)).verdicts).toEqual([]);
      expect(codes(await failure(3))).toEqual(['otp.device_backoff']);
    } finally {
      await counters.close();
    }
  });
});

describe('docs/ato-rules.md', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'ato-rules.md'), 'utf8');

  it('documents every reason code', () => {
    for (const code of new Set(Object.values(reasonCodes))) expect(doc, code).toContain(`\`${code}\``);
  });

  it('describes every setting in the schema itself', () => {
    for (const key of configKeys(atoRulesConfig)) expect(key.description, key.path).not.toBe('');
  });

  it('documents every setting of atoRulesConfig', () => {
    for (const key of configKeys(atoRulesConfig)) expect(doc, key.path).toContain(`\`${key.path}\``);
  });
});
