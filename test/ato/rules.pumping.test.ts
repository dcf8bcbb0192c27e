import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Rules } from '../../src/ato/rules.js';
import type { PhoneType, RuleFindings } from '../../src/ato/types.js';
import {
  type CountersHarness,
  codes,
  counterBackends,
  event,
  features,
  history,
  rulesOn,
  s,
  T0,
} from '../support/ato.js';

// A 1 h window (24 buckets of 150 s); per prefix a captcha from 50 requests and a denial from
// 200, per IP from 10 and 30, when fewer than 20 % (IP: 30 %) of them were entered. These are set
// here, not the defaults (calibrated lower on the simulator), so the arithmetic below stays the
// same when the defaults move.
const thresholds = {
  pumping: {
    prefix: { challengeAt: 50, denyAt: 200 },
    ip: { challengeAt: 10, denyAt: 30 },
    asn: { challengeAt: 300, denyAt: 1500 },
  },
};

describe.each(counterBackends)('SMS pumping rules on %s counters', (_name, open) => {
  let harness: CountersHarness;
  let rules: Rules;
  beforeEach(() => {
    harness = open();
    rules = rulesOn(harness, thresholds);
  });
  afterEach(() => harness.dispose());

  /** A code request for the n-th number of the +44 7700 900 range, each from its own subnet and network. */
  const request = (n: number, overrides: { ip?: string; prefix?: string } = {}): Promise<RuleFindings> => {
    const phone = `+447700900${String(n).padStart(3, '0')}`;
    const ip = overrides.ip ?? `203.0.${n % 250}.1`;
    return rules.evaluate(
      event({ type: 'otp_request', time: T0 + n * s, phone, ip, account: undefined, device: `d-${n}` }),
      features({
        phone: { e164: phone, country: 'GB', prefix: overrides.prefix ?? '+447700' },
        ip: {
          address: ip,
          country: 'GB',
          asn: overrides.ip ? 64_500 : 64_500 + n,
          subnet: `203.0.${n % 250}.0/24`,
        },
      }),
      undefined,
    );
  };
  const verify = (n: number): Promise<RuleFindings> => {
    const phone = `+447700900${String(n).padStart(3, '0')}`;
    return rules.evaluate(
      event({
        type: 'otp_verify',
        time: T0 + (n + 1) * s,
        phone,
        outcome: 'success',
        account: undefined,
        device: `d-${n}`,
      }),
      features({
        phone: { e164: phone, country: 'GB', prefix: '+447700' },
        ip: { country: 'GB', asn: 64_500 + n },
      }),
      undefined,
    );
  };
  const pumping = (findings: RuleFindings) =>
    codes(findings).filter((code) => code.startsWith('sms_pumping'));

  it('asks for a captcha at 50 unverified requests for one prefix, and denies at 200', async () => {
    for (let n = 0; n < 49; n++) expect(pumping(await request(n)), `${n}`).toEqual([]);
    // 50 requests, 0 entered: 0 / 50 < 0.2.
    const fiftieth = await request(49);
    expect(pumping(fiftieth)).toEqual(['sms_pumping.prefix']);
    expect(fiftieth.verdicts).toEqual([{ decision: 'challenge', challenges: ['captcha'] }]);
    expect(fiftieth.reasons[0]?.contribution).toBe(2);
    for (let n = 50; n < 199; n++) await request(n);
    const last = await request(199);
    expect(last.verdicts).toEqual([{ decision: 'deny' }]);
  });

  it('gives the account’s own device a captcha at most when its prefix is being pumped', async () => {
    for (let n = 0; n < 200; n++) await request(n);
    const phone = '+447700900999';
    const owner = await rules.evaluate(
      event({ type: 'otp_request', time: T0 + 201 * s, phone, ip: '198.51.100.7' }),
      features({ phone: { e164: phone, country: 'GB', prefix: '+447700' }, ip: { country: 'GB' } }),
      history(),
    );
    // 201 requests, none entered: past the 200 that deny; the owner's registered phone gets a captcha.
    expect(pumping(owner)).toEqual(['sms_pumping.prefix']);
    expect(owner.verdicts).toEqual([{ decision: 'challenge', challenges: ['captcha'] }]);
  });

  it('lets a prefix whose codes get entered through', async () => {
    // 49 requests and 10 codes entered; the 50th: 10 / 50 = 0.2, not below 0.2; the 51st:
    // 10 / 51 = 0.196, below.
    for (let n = 0; n < 49; n++) {
      await request(n);
      if (n < 10) await verify(n);
    }
    expect(pumping(await request(49))).toEqual([]);
    expect(pumping(await request(50))).toEqual(['sms_pumping.prefix']);
  });

  it('asks for a captcha at 10 unverified requests from one address, and denies at 30', async () => {
    // Each request for a prefix of its own, so that only the address adds up.
    const fromOne = (n: number) =>
      request(n, { ip: '198.51.100.99', prefix: `+4477${String(n).padStart(3, '0')}` });
    for (let n = 0; n < 9; n++) expect(pumping(await fromOne(n))).toEqual([]);
    expect(pumping(await fromOne(9))).toEqual(['sms_pumping.ip']);
    for (let n = 10; n < 29; n++) await fromOne(n);
    // The same address also asks codes for 30 numbers, which velocity.ip challenges (10 to 49).
    const thirtieth = await fromOne(29);
    expect(pumping(thirtieth)).toEqual(['sms_pumping.ip']);
    expect(thirtieth.verdicts).toContainEqual({ decision: 'deny' });
  });

  it('forgets requests that left the window', async () => {
    for (let n = 0; n < 49; n++) await request(n);
    // All 49 fell in bucket 0 (0-150 s); the read leaves it at bucket 25 (3,750 s).
    const later = await rules.evaluate(
      event({ type: 'otp_request', time: T0 + 3750 * s, phone: '+447700900999', account: undefined }),
      features({ phone: { e164: '+447700900999', country: 'GB', prefix: '+447700' } }),
      undefined,
    );
    expect(pumping(later)).toEqual([]);
  });
});

describe('number types', () => {
  const rules = () => rulesOn(counterBackends[0]?.[1]() as CountersHarness);
  const ask = (type: PhoneType, input = rules()) =>
    input.evaluate(event({ type: 'otp_request' }), features({ phone: { type } }), undefined);

  it('denies a code request to a premium-rate or shared-cost number', async () => {
    for (const type of ['premium_rate', 'shared_cost'] as const) {
      const answer = await ask(type);
      expect(codes(answer)).toEqual(['phone.premium_rate']);
      expect(answer.reasons[0]?.contribution).toBe(3);
      expect(answer.verdicts).toEqual([{ decision: 'deny' }]);
    }
  });

  it('only scores a premium-rate number when told not to deny', async () => {
    const lenient = rulesOn(counterBackends[0]?.[1]() as CountersHarness, {
      pumping: { denyPremiumRate: false },
    });
    const answer = await ask('premium_rate', lenient);
    expect(codes(answer)).toEqual(['phone.premium_rate']);
    expect(answer.verdicts).toEqual([]);
  });

  it.each([
    ['voip', 'phone.voip', 1.2],
    ['fixed_line', 'phone.not_mobile', 1],
    ['toll_free', 'phone.not_mobile', 1],
    ['pager', 'phone.not_mobile', 1],
  ] as const)('gives a %s number the reason %s', async (type, code, contribution) => {
    const answer = await ask(type);
    expect(answer.reasons).toEqual([expect.objectContaining({ code, contribution })]);
    expect(answer.verdicts).toEqual([]);
  });

  it.each(['mobile', 'fixed_line_or_mobile', 'unknown'] as const)(
    'says nothing of a %s number',
    async (type) => {
      expect((await ask(type)).reasons).toEqual([]);
    },
  );

  it('gives an invalid number its reason, and an absent one on registration', async () => {
    const invalid = await rules().evaluate(
      event({ type: 'otp_request', phone: '12' }),
      features({ phone: { status: 'invalid', e164: undefined, type: undefined } }),
      undefined,
    );
    expect(codes(invalid)).toEqual(['phone.invalid']);
    const absent = await rules().evaluate(
      event({ type: 'registration_start', phone: undefined }),
      features({ phone: { status: 'absent', e164: undefined, type: undefined } }),
      undefined,
    );
    expect(codes(absent)).toEqual(['phone.absent']);
  });
});
