import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Rules } from '../../src/ato/rules.js';
import type { AccountHistory, AuthEvent, RuleFindings } from '../../src/ato/types.js';
import {
  type CountersHarness,
  codes,
  counterBackends,
  event,
  features,
  h,
  history,
  m,
  rulesOn,
  s,
  T0,
} from '../support/ato.js';

// Defaults (src/core/config.ato.rules.ts), as pace schedules (rules.context.ts backoffDelays):
//   device backoff: free 3, base 1 min, max 1 h -> waits by attempts already counted:
//     1, 2 -> 0; 3 -> 1 min; 4 -> 2; 5 -> 4; 6 -> 8; 7 -> 16; 8 -> 32; 9 and more -> 60 min
//   IP and number backoff: free 5 -> 1..4 -> 0; 5 -> 1 min; 6 -> 2; … 10 -> 32; 11 and more -> 60
//   number cap: 20 honoured attempts by unknown devices per 24 h (24 buckets of 1 h)

/** An attempt from a device the account does not know, on its own address. */
function foreign(
  index: number,
  overrides: Partial<AuthEvent> = {},
): [AuthEvent, ReturnType<typeof features>] {
  const ip = `203.0.113.${index % 200}`;
  return [
    event({ type: 'otp_verify', device: `attacker-${index}`, ip, outcome: 'failure', ...overrides }),
    features({ ip: { address: ip, subnet: '203.0.113.0/24' } }),
  ];
}

const locked = (findings: RuleFindings) => findings.verdicts.filter((v) => v.decision === 'lock_device');

describe.each(counterBackends)('otp_verify rules on %s counters', (_name, open) => {
  let harness: CountersHarness;
  let rules: Rules;
  beforeEach(() => {
    harness = open();
    rules = rulesOn(harness);
  });
  afterEach(() => harness.dispose());

  const owner = (time: number, outcome?: 'success' | 'failure', past: AccountHistory = history()) =>
    rules.evaluate(event({ type: 'otp_verify', time, ...(outcome ? { outcome } : {}) }), features(), past);

  it('backs off a device on its own failures: 3 free, then 1 min, 2 min after the last counted one', async () => {
    for (const seconds of [0, 1, 2])
      expect(await owner(T0 + seconds * s, 'failure')).toEqual({ reasons: [], verdicts: [], actions: [] });
    // 3 failures counted, the last at 2 s: the next must wait 1 min, until 62 s.
    const early = await owner(T0 + 3 * s, 'failure');
    expect(codes(early)).toEqual(['otp.device_backoff']);
    expect(early.verdicts).toEqual([{ decision: 'lock_device', retryAfterMs: 59 * s }]);
    expect(early.reasons[0]?.contribution).toBe(1);
    // The refused attempt was not counted, so 62 s is open; then 2 min after 62 s, i.e. 182 s.
    expect((await owner(T0 + 62 * s, 'failure')).verdicts).toEqual([]);
    expect((await owner(T0 + 63 * s, 'failure')).verdicts).toEqual([
      { decision: 'lock_device', retryAfterMs: 119 * s },
    ]);
    expect((await owner(T0 + 182 * s, 'success')).verdicts).toEqual([]);
  });

  it('never locks or challenges the owner’s known device for an attacker’s failures', async () => {
    // 60 unknown devices on 60 addresses fail codes for the owner's number within a minute.
    for (let i = 0; i < 60; i++) await rules.evaluate(...foreign(i, { time: T0 + i * s }), history());
    const attacker = await rules.evaluate(...foreign(60, { time: T0 + 60 * s }), history());
    expect(codes(attacker)).toContain('otp.number_under_attack');
    for (const outcome of [undefined, 'success', 'failure'] as const) {
      expect(await owner(T0 + 61 * s, outcome)).toEqual({ reasons: [], verdicts: [], actions: [] });
    }
  });

  it('challenges an unknown device once the number’s free attempts are used: the PIN, the old device, else a wait', async () => {
    for (let i = 0; i < 5; i++)
      expect((await rules.evaluate(...foreign(i, { time: T0 + i * s }), history())).verdicts).toEqual([]);
    // 5 counted, the last at 4 s: the number asks 1 min, until 64 s; at 5 s that is 59 s away.
    const newPhone = (past: AccountHistory) =>
      rules.evaluate(
        event({ type: 'otp_verify', time: T0 + 5 * s, device: 'owner-new-phone', outcome: 'success' }),
        features(),
        past,
      );
    const numberVerdict = (findings: RuleFindings) => {
      expect(codes(findings)).toContain('otp.number_under_attack');
      return findings.verdicts.find((v) => v.retryAfterMs === 59 * s);
    };
    expect(numberVerdict(await newPhone(history({ pinEnabled: true })))).toEqual({
      decision: 'challenge',
      challenges: ['pin', 'old_device_approval'],
      retryAfterMs: 59 * s,
    });
    expect(numberVerdict(await newPhone(history()))).toEqual({
      decision: 'challenge',
      challenges: ['old_device_approval'],
      retryAfterMs: 59 * s,
    });
    // Nothing tells the owner from an attacker without a PIN or a registered device: wait.
    const alone = await newPhone(history({ activeDevice: undefined }));
    expect(numberVerdict(alone)).toEqual({ decision: 'lock_device', retryAfterMs: 59 * s });
    // A registered device unused for more than 30 days cannot approve either.
    const stale = await newPhone(
      history({ activeDevice: { id: 'owner-phone', lastActive: T0 - 31 * 24 * h } }),
    );
    expect(numberVerdict(stale)).toEqual({ decision: 'lock_device', retryAfterMs: 59 * s });
  });

  it('counts nothing for an attempt without an outcome (a peek)', async () => {
    // No registered device, so a peek from a new device is not a registration to challenge.
    const unregistered = history({ activeDevice: undefined });
    for (let i = 0; i < 50; i++) {
      const [attempt, seen] = foreign(i, { time: T0 + i * s });
      const { outcome: _, ...peek } = attempt;
      expect((await rules.evaluate(peek, seen, unregistered)).verdicts).toEqual([]);
    }
    // All 5 free attempts of the number are still there.
    for (let i = 0; i < 5; i++) {
      expect((await rules.evaluate(...foreign(i, { time: T0 + m + i * s }), unregistered)).verdicts).toEqual(
        [],
      );
    }
    expect(codes(await rules.evaluate(...foreign(5, { time: T0 + m + 5 * s }), unregistered))).toEqual([
      'otp.number_under_attack',
    ]);
  });

  it('counts a right code from an unknown device as a guess of the number', async () => {
    for (let i = 0; i < 4; i++) await rules.evaluate(...foreign(i, { time: T0 + i * s }), history());
    await rules.evaluate(...foreign(4, { time: T0 + 4 * s, outcome: 'success' }), history());
    expect(codes(await rules.evaluate(...foreign(5, { time: T0 + 5 * s }), history()))).toContain(
      'otp.number_under_attack',
    );
  });

  it('backs off an address that fails for one number, whatever device it claims', async () => {
    const loose = rulesOn(harness, { otpVerify: { number: { free: 20 } } });
    const fromOneIp = (i: number) => {
      const [e, f] = foreign(i, { time: T0 + i * s, ip: '192.0.2.9' });
      return loose.evaluate(e, { ...f, ip: { ...f.ip, address: '192.0.2.9' } }, history());
    };
    for (let i = 0; i < 5; i++) expect((await fromOneIp(i)).verdicts).toEqual([]);
    // 5 failures from 192.0.2.9, the last at 4 s: 1 min after it, 59 s from 5 s.
    const sixth = await fromOneIp(5);
    expect(codes(sixth)).toEqual(['otp.ip_backoff']);
    expect(locked(sixth)).toEqual([{ decision: 'lock_device', retryAfterMs: 59 * s }]);
  });

  it('keeps one day of paced brute force from 1,000 devices and 200 addresses to 20 honoured guesses', async () => {
    // The attacker answers each refusal as fast as the rules allow: a device or address lock moves
    // it to the next device and address a second later; the number's refusal makes it wait the
    // time the rules gave. The owner's registered phone comes back every hour, in between.
    const honoured: number[] = [];
    let t = T0;
    let i = 0;
    let ownerAt = T0 + 30 * m;
    while (t < T0 + 24 * h) {
      while (ownerAt <= t) {
        for (const type of ['otp_verify', 'login', 'pin_verify'] as const) {
          const answer = await rules.evaluate(
            event({ type, time: ownerAt, outcome: 'success' }),
            features(),
            history({ pinEnabled: true }),
          );
          expect(answer.verdicts, `${type} at ${(ownerAt - T0) / s} s`).toEqual([]);
        }
        ownerAt += h;
      }
      const device = i % 1000;
      const ip = `203.0.113.${i % 200}`;
      const answer = await rules.evaluate(
        event({ type: 'otp_verify', time: t, device: `attacker-${device}`, ip, outcome: 'failure' }),
        features({ ip: { address: ip, subnet: '203.0.113.0/24' } }),
        history({ pinEnabled: true }),
      );
      i++;
      if (answer.verdicts.length === 0) {
        honoured.push((t - T0) / s);
        t += s;
      } else if (codes(answer).includes('otp.number_under_attack')) {
        t += Math.max(s, ...answer.verdicts.map((v) => v.retryAfterMs ?? 0));
      } else {
        t += s;
      }
    }
    // By hand: 5 free at 0-4 s; then waits of 1, 2, 4, 8, 16, 32 min after each counted guess
    // (64, 184, 424, 904, 1,864, 3,784 s), then 60 min (7,384 s and every 3,600 s) until the cap
    // of 20 at 36,184 s. The 21st would wait for the first hour's 10 guesses to leave the window,
    // at bucket 25 (90,000 s), after the day. 20 guesses of a 6-digit code: 20 / 10^6 = 2e-5 < 1e-4.
    expect(honoured).toEqual([
      0, 1, 2, 3, 4, 64, 184, 424, 904, 1864, 3784, 7384, 10984, 14584, 18184, 21784, 25384, 28984, 32584,
      36184,
    ]);
    expect(honoured.length).toBeLessThan(100);
  });

  it('keeps one day of hammering, an attempt every 10 s from 1,000 devices and 200 addresses, to 20 honoured guesses', async () => {
    const honoured: number[] = [];
    let ipLocks = 0;
    let deviceLocks = 0;
    for (let i = 0; i < 8640; i++) {
      const t = T0 + i * 10 * s;
      if (i % 360 === 180) {
        // The owner's registered phone, every hour at the half hour.
        const answer = await rules.evaluate(
          event({ type: 'otp_verify', time: t, outcome: 'success' }),
          features(),
          history(),
        );
        expect(answer.verdicts).toEqual([]);
      }
      const ip = `203.0.113.${i % 200}`;
      const answer = await rules.evaluate(
        event({ type: 'otp_verify', time: t, device: `attacker-${i % 1000}`, ip, outcome: 'failure' }),
        features({ ip: { address: ip, subnet: '203.0.113.0/24' } }),
        history(),
      );
      if (answer.verdicts.length === 0) honoured.push(i * 10);
      if (codes(answer).includes('otp.ip_backoff')) ipLocks++;
      if (codes(answer).includes('otp.device_backoff')) deviceLocks++;
    }
    // The number opens at 0-40 s (5 free), then 1, 2, 4, 8, 16, 32 min after each counted guess
    // (100, 220, 460, 940, 1,900, 3,820 s), then hourly (7,420 s … 36,220 s) up to the cap of 20.
    // Each address comes back every 2,000 s (33.3 min): its visits 1-11 pass (the 11th waits
    // 32 min), from the 12th on it needs 60 min, so even visits are refused and odd ones pass. The
    // attempts where the number opens fall on visits 1-11 or odd ones (e.g. 25,420 s is attempt
    // 2,542, address 142, visit 13): all 20 are honoured.
    expect(honoured).toEqual([
      0, 10, 20, 30, 40, 100, 220, 460, 940, 1900, 3820, 7420, 11020, 14620, 18220, 21820, 25420, 29020,
      32620, 36220,
    ]);
    // Address refusals: 8,640 attempts = 43.2 rounds, so addresses 0-39 make 44 visits and the
    // others 43; refused are the even visits 12-42 (16) and the 44th: 160 * 16 + 40 * 17 = 3,240.
    expect(ipLocks).toBe(3240);
    // Each device comes back every 10,000 s (2.8 h), longer than its longest wait (1 h).
    expect(deviceLocks).toBe(0);
  });
});
