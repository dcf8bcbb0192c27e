import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Rules } from '../../src/ato/rules.js';
import type { RuleFindings } from '../../src/ato/types.js';
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

// Defaults: schedule 1, 2, 5, 10 min (then 10) within a 1 h window of 24 buckets of 150 s; at most
// 10 codes per number per 24 h (24 buckets of 1 h).

describe.each(counterBackends)('otp_request rules on %s counters', (_name, open) => {
  let harness: CountersHarness;
  let rules: Rules;
  beforeEach(() => {
    harness = open();
    rules = rulesOn(harness);
  });
  afterEach(() => harness.dispose());

  // Each request from an address of its own: from one address, ten requests an hour with no code
  // entered would also be SMS pumping (rules.pumping.test.ts).
  let requests = 0;
  const request = (seconds: number, phone = '+4915112345678'): Promise<RuleFindings> => {
    const ip = `198.51.100.${requests++ % 250}`;
    return rules.evaluate(
      event({ type: 'otp_request', time: T0 + seconds * s, phone, ip }),
      features({ phone: { e164: phone }, ip: { address: ip } }),
      history(),
    );
  };

  it('sends codes on the resend schedule and answers wait with the time left', async () => {
    expect(await request(0)).toEqual({ reasons: [], verdicts: [], actions: [] });
    const early = await request(30);
    expect(codes(early)).toEqual(['otp.resend_too_early']);
    expect(early.reasons[0]?.contribution).toBe(0);
    expect(early.verdicts).toEqual([{ decision: 'challenge', challenges: ['wait'], retryAfterMs: 30 * s }]);
    // The refused request was not counted: 1 min after 0 s is still 60 s.
    expect((await request(60)).verdicts).toEqual([]);
    // Then 2 min after 60 s (180 s), 5 min after 180 s (480 s), 10 min after that (1,080 s) and
    // 10 min again (1,680 s).
    expect((await request(179)).verdicts).toEqual([
      { decision: 'challenge', challenges: ['wait'], retryAfterMs: s },
    ]);
    for (const seconds of [180, 480, 1080, 1680]) {
      expect((await request(seconds - 1)).verdicts[0]?.retryAfterMs, `${seconds}`).toBe(s);
      expect((await request(seconds)).verdicts, `${seconds}`).toEqual([]);
    }
  });

  it('caps the codes of one number at 10 a day, and says when the next may go', async () => {
    // Codes at 0, 1, 3, 8, 18, 28, 38, 48, 58 and 68 min, each as early as the schedule allows.
    // At 68 min (4,080 s) the 1 h read starts at bucket 3 (450 s): 8 … 58 min, 6 codes, so still
    // 10 min after the last.
    for (const seconds of [0, 60, 180, 480, 1080, 1680, 2280, 2880, 3480, 4080]) {
      expect((await request(seconds)).verdicts, `${seconds}`).toEqual([]);
    }
    // The 11th at 78 min: the schedule would pass (10 min after 68), the day's 10 would not. The
    // first hour's 9 codes leave the daily read when it starts at bucket 1, at 25 h (90,000 s).
    const capped = await request(4680);
    expect(codes(capped)).toEqual(['otp.request_cap']);
    expect(capped.verdicts).toEqual([
      { decision: 'challenge', challenges: ['wait'], retryAfterMs: (90_000 - 4680) * s },
    ]);
    expect((await request(90_000)).verdicts).toEqual([]);
  });

  it('starts the schedule again after a quiet hour', async () => {
    for (const seconds of [0, 60, 180]) await request(seconds);
    // The 1 h read at t spans buckets floor(t / 150) - 24 onwards; it has left bucket 1 (180 s)
    // from bucket 26, 3,900 s: no code in reach, so one goes out at once, and the next waits
    // 1 min (retry at 3,960 s, 30 s after 3,930 s), not the 5 min the fourth code would have.
    expect((await request(3900)).verdicts).toEqual([]);
    expect((await request(3930)).verdicts).toEqual([
      { decision: 'challenge', challenges: ['wait'], retryAfterMs: 30 * s },
    ]);
  });

  it('keeps the schedules of two numbers apart', async () => {
    await request(0, '+4915112345678');
    expect((await request(1, '+4915187654321')).verdicts).toEqual([]);
    expect((await request(2, '+4915112345678')).verdicts[0]?.retryAfterMs).toBe(58 * s);
  });
});
