import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Rules } from '../../src/ato/rules.js';
import type { AccountHistory, RuleFindings } from '../../src/ato/types.js';
import {
  type CountersHarness,
  codes,
  counterBackends,
  event,
  features,
  h,
  history,
  rulesOn,
  s,
  T0,
} from '../support/ato.js';

// Defaults: one device's own PIN failures: free 3, then 1, 2, 4 … 60 min. Devices new to the
// account: free 3, then 5, 10, 20, 40, 80, 160, 240 min (capped at 4 h), at most 10 per 24 h.

describe.each(counterBackends)('pin_verify rules on %s counters', (_name, open) => {
  let harness: CountersHarness;
  let rules: Rules;
  beforeEach(() => {
    harness = open();
    rules = rulesOn(harness);
  });
  afterEach(() => harness.dispose());

  const pin = (
    seconds: number,
    device: string,
    outcome: 'success' | 'failure' = 'failure',
    past: AccountHistory = history({ pinEnabled: true }),
  ): Promise<RuleFindings> =>
    rules.evaluate(event({ type: 'pin_verify', time: T0 + seconds * s, device, outcome }), features(), past);

  it('backs off the owner’s device on its own wrong PINs only', async () => {
    for (const seconds of [0, 1, 2]) expect((await pin(seconds, 'owner-phone')).verdicts).toEqual([]);
    const fourth = await pin(3, 'owner-phone');
    expect(codes(fourth)).toEqual(['pin.device_backoff']);
    expect(fourth.verdicts).toEqual([{ decision: 'lock_device', retryAfterMs: 59 * s }]);
  });

  it('lets the owner’s device through however many PINs new devices got wrong', async () => {
    for (let i = 0; i < 30; i++) await pin(i, `attacker-${i}`);
    expect(await pin(30, 'owner-phone', 'success')).toEqual({ reasons: [], verdicts: [], actions: [] });
  });

  it('sends a new device to the active one for approval once the account’s PIN guesses wait', async () => {
    for (let i = 0; i < 3; i++) expect((await pin(i, `attacker-${i}`)).verdicts).toEqual([]);
    // 3 counted, the last at 2 s: 5 min after it, 302 s; from 3 s that is 299 s.
    const fourth = await pin(3, 'owner-new-phone', 'success');
    expect(codes(fourth)).toEqual(['pin.account_under_attack']);
    expect(fourth.verdicts).toEqual([
      { decision: 'challenge', challenges: ['old_device_approval'], retryAfterMs: 299 * s },
    ]);
    // Without an active device to approve, the new device can only wait.
    const alone = await pin(
      3,
      'owner-new-phone',
      'success',
      history({ pinEnabled: true, activeDevice: undefined }),
    );
    expect(alone.verdicts).toEqual([{ decision: 'lock_device', retryAfterMs: 299 * s }]);
  });

  it('keeps a day of paced PIN guessing from new devices to 10', async () => {
    const honoured: number[] = [];
    let t = 0;
    for (let i = 0; t < 24 * 3600; i++) {
      const answer = await pin(t, `attacker-${i}`);
      if (answer.verdicts.length === 0) {
        honoured.push(t);
        t += 1;
      } else {
        t += Math.max(1, ...answer.verdicts.map((v) => (v.retryAfterMs ?? 0) / s));
      }
    }
    // 0-2 s free; then 5, 10, 20, 40, 80, 160 and 240 min after each: 302, 902, 2,102, 4,502,
    // 9,302, 18,902, 33,302 s: 10, the cap. A 4-digit PIN: 10 / 10^4 = 1e-3 a day.
    expect(honoured).toEqual([0, 1, 2, 302, 902, 2102, 4502, 9302, 18902, 33302]);
    expect(T0 + t * s).toBeGreaterThanOrEqual(T0 + 24 * h);
  });

  it('refuses a PIN attempt that names neither account nor number', async () => {
    const answer = await rules.evaluate(
      event({ type: 'pin_verify', outcome: 'failure', account: undefined, phone: undefined }),
      features({ phone: { status: 'absent', e164: undefined } }),
      undefined,
    );
    expect(codes(answer)).toEqual(['event.subject_missing']);
    expect(answer.verdicts).toEqual([{ decision: 'deny' }]);
  });
});
