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

// Defaults: distinct accounts per IP in 1 h: captcha from 10, denial from 50; per /24 or /48:
// 30 and 150; per ASN: captcha from 1,000, never denied; per device in 24 h: 3 and 10.

describe.each(counterBackends)('velocity rules on %s counters', (_name, open) => {
  let harness: CountersHarness;
  let rules: Rules;
  beforeEach(() => {
    harness = open();
    rules = rulesOn(harness);
  });
  afterEach(() => harness.dispose());

  const velocity = (findings: RuleFindings) => codes(findings).filter((code) => code.startsWith('velocity'));

  /** A login of `account` at `seconds`; by default each from its own device. */
  const login = (
    seconds: number,
    account: string,
    where: { ip?: string; subnet?: string; device?: string } = {},
  ) => {
    const ip = where.ip ?? '198.51.100.7';
    return rules.evaluate(
      event({
        type: 'login',
        time: T0 + seconds * s,
        account,
        ip,
        device: where.device ?? `phone-of-${account}`,
        outcome: 'success',
      }),
      features({ ip: { address: ip, subnet: where.subnet ?? '198.51.100.0/24' } }),
      undefined,
    );
  };

  it('challenges a device at its third account in a day, counting each account once', async () => {
    const farm = (seconds: number, account: string) =>
      login(seconds, account, { ip: `192.0.2.${seconds}`, subnet: `10.${seconds}.0.0/24`, device: 'farm-1' });
    expect(velocity(await farm(0, 'acct-1'))).toEqual([]);
    expect(velocity(await farm(1, 'acct-2'))).toEqual([]);
    expect(velocity(await farm(2, 'acct-1'))).toEqual([]);
    const third = await farm(3, 'acct-3');
    expect(velocity(third)).toEqual(['velocity.device']);
    expect(third.verdicts).toEqual([{ decision: 'challenge', challenges: ['captcha'] }]);
    expect(third.reasons[0]?.contribution).toBe(2);
    for (let i = 4; i <= 9; i++) await farm(i, `acct-${i}`);
    expect((await farm(10, 'acct-10')).verdicts).toEqual([{ decision: 'deny' }]);
  });

  it('challenges an address at its tenth account in an hour, and forgets it after the window', async () => {
    for (let i = 1; i <= 9; i++) expect(velocity(await login(i, `acct-${i}`))).toEqual([]);
    expect(velocity(await login(10, 'acct-10'))).toEqual(['velocity.ip']);
    // The same account again is no new account.
    expect(velocity(await login(11, 'acct-10'))).toEqual(['velocity.ip']);
    // All ten fell in bucket 0 (0-150 s) of the 1 h window; the read leaves it at 3,750 s.
    expect(velocity(await login(3749, 'acct-11'))).toEqual(['velocity.ip']);
    expect(velocity(await login(3750, 'acct-12'))).toEqual([]);
  });

  it('gives the owner’s device on a crowded address a captcha at most, never a denial', async () => {
    for (let i = 1; i <= 50; i++) await login(i, `acct-${i}`);
    expect((await login(51, 'acct-51')).verdicts).toContainEqual({ decision: 'deny' });
    const owner = await rules.evaluate(
      event({ type: 'login', time: T0 + 52 * s, outcome: 'success' }),
      features(),
      history(),
    );
    // 52 accounts from the address, more than the 50 that deny; the account's own phone gets a captcha.
    expect(velocity(owner)).toEqual(['velocity.ip', 'velocity.subnet']);
    expect(owner.verdicts).toEqual([
      { decision: 'challenge', challenges: ['captcha'] },
      { decision: 'challenge', challenges: ['captcha'] },
    ]);
  });

  it('challenges a subnet at its 30th account in an hour across its addresses', async () => {
    const spread = (i: number) => login(i, `acct-${i}`, { ip: `198.51.100.${i}` });
    for (let i = 1; i <= 29; i++) expect(velocity(await spread(i))).toEqual([]);
    expect(velocity(await spread(30))).toEqual(['velocity.subnet']);
  });

  it('counts numbers before they have accounts', async () => {
    for (let i = 1; i <= 10; i++) {
      const phone = `+4915100000${String(i).padStart(3, '0')}`;
      const answer = await rules.evaluate(
        event({ type: 'registration_start', time: T0 + i * s, account: undefined, phone, device: `d-${i}` }),
        features({ phone: { e164: phone } }),
        undefined,
      );
      expect(velocity(answer)).toEqual(i < 10 ? [] : ['velocity.ip']);
    }
  });

  it('does not count carrier notices and revocations', async () => {
    for (let i = 1; i <= 12; i++) {
      await rules.evaluate(
        event({ type: 'sim_change', time: T0 + i * s, account: `acct-${i}` }),
        features(),
        undefined,
      );
    }
    expect(velocity(await login(13, 'acct-13'))).toEqual([]);
    expect(harness.batches).toHaveLength(1);
  });
});
