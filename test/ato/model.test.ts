import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newHistory, observeEvent } from '../../src/ato/history.js';
import { createGlobalModel, type GlobalModel } from '../../src/ato/model.global.js';
import { scoreEvent } from '../../src/ato/model.js';
import type { AccountHistory, AtoReason } from '../../src/ato/types.js';
import { type AtoModelConfig, atoModelConfig } from '../../src/core/config.ato.model.js';
import { login, type Session, sessionFeatures } from '../support/ato.sessions.js';

const ln = Math.log;
const defaults = atoModelConfig.parse({});
/** The network features alone: hour and popularity weighed 0 so the arithmetic stays small. */
const networkOnly = atoModelConfig.parse({ weights: { hour: 0, popularity: 0 } });

const usualIp = { country: 'DE', asn: 3320, subnet: '203.0.113.0/24', ip: '203.0.113.7', hour: 9 };
const secondIp = { ...usualIp, ip: '203.0.113.8' };
const otherNetwork = { country: 'DE', asn: 8881, subnet: '198.51.100.0/24', ip: '198.51.100.9', hour: 9 };

/**
 * The account: 10 learnt sessions, all from DE, 9 on AS3320 in 203.0.113.0/24 (6 from .7, 3 from
 * .8) and 1 on AS8881 (198.51.100.9), all at 09 h.
 *
 * The population: N = 1000 sessions of |U| = 100 accounts, the account's 10 among them.
 *   country: DE 600, BR 21, US 379                       → p(v) = (c + 1) / (1000 + 4) = (c+1)/1004
 *   asn:     AS3320 400, AS8881 200, AS16509 21 (a hosting network in BR), AS7018 379 → (c+1)/1005
 *   subnet:  203.0.113.0/24 9, 198.51.100.0/24 1 (the others' sessions carry no IP) → (c+1)/1003
 *   ip:      .7 6, .8 3, 198.51.100.9 1                  → (c+1)/1004
 */
function world(): { global: GlobalModel; history: AccountHistory } {
  const global = createGlobalModel(defaults.global);
  const history = newHistory('acc', 0);
  const learn = (session: Session, times: number) => {
    for (let i = 0; i < times; i++) {
      global.observe(sessionFeatures(session), { newAccount: history.observations === 0 });
      observeEvent(history, login('acc', history.observations), sessionFeatures(session), defaults.history);
    }
  };
  learn(usualIp, 6);
  learn(secondIp, 3);
  learn(otherNetwork, 1);
  let others = 0;
  const population = (session: Session, times: number) => {
    for (let i = 0; i < times; i++) global.observe(sessionFeatures(session), { newAccount: others++ < 99 });
  };
  population({ country: 'DE', asn: 3320, hour: 12 }, 391);
  population({ country: 'DE', asn: 8881, hour: 12 }, 199);
  population({ country: 'BR', asn: 16509, hour: 12 }, 21);
  population({ country: 'US', asn: 7018, hour: 12 }, 379);
  return { global, history };
}

const reasonOf = (reasons: AtoReason[], code: string) => reasons.find((r) => r.code === code);
const contributionOf = (reasons: AtoReason[], code: string) => reasonOf(reasons, code)?.contribution;

describe('a session from a place the account has never been', () => {
  it('multiplies the ratio by (n+κ)/κ at each new level, κ = α · the distinct values used there', () => {
    const { global, history } = world();
    expect([global.total, global.accounts, history.observations]).toEqual([1000, 100, 10]);
    const { score, reasons } = scoreEvent(
      sessionFeatures({ country: 'BR', asn: 16509 }),
      history,
      global,
      networkOnly,
    );
    // Country (top), one country used (κ = 1): p̃(BR|u) = (0 + 1·p(BR)) / (10 + 1), so
    // p(BR)/p̃(BR|u) = 11: ln 11 = 2.3979.
    expect(contributionOf(reasons, 'model.country')).toBeCloseTo(ln(11), 10);
    // ASN, two used (κ = 2): b = p̃(BR|u) · p(AS16509)/p(BR) = p(AS16509)/11 and p̃ = 2b/(10 + 2) = b/6,
    // so the ratio is 11 · 6: ln 66 = 4.1897.
    expect(contributionOf(reasons, 'model.asn')).toBeCloseTo(ln(66), 10);
    expect(score).toBeCloseTo(ln(11) + ln(66), 10);
    expect(reasonOf(reasons, 'model.country')?.message).toBe(
      "Country BR: seen in 0 of 10 of this account's sessions; 2.2 % of all sessions.",
    );
    expect(reasonOf(reasons, 'model.asn')?.message).toBe(
      "Network AS16509: seen in 0 of 10 of this account's sessions; 2.2 % of all sessions.",
    );
  });
});

describe('a session from the account’s usual place', () => {
  it('scores each level by the account’s smoothed frequency against the population', () => {
    const { global, history } = world();
    const { score, reasons } = scoreEvent(sessionFeatures(usualIp), history, global, networkOnly);
    // country (κ = 1): p = 601/1004 = 0.598606; p̃ = (10 + p)/11 = 0.963510; ln(p/p̃) = −0.475980
    expect(contributionOf(reasons, 'model.country')).toBeCloseTo(-0.475979536, 8);
    // asn (κ = 2): p = 401/1005 = 0.399005; b = 0.963510 · p/p(DE) = 0.642234;
    //      p̃ = (9 + 2b)/12 = 0.857039; ln(p/p̃) = −0.764510
    expect(contributionOf(reasons, 'model.asn')).toBeCloseTo(-0.764509627, 8);
    // subnet (κ = 2): p = 10/1003 = 0.009970; b = 0.857039 · p/p(AS3320) = 0.021416;
    //      p̃ = (9 + 2b)/12 = 0.753569; ln(p/p̃) = −4.325231
    expect(contributionOf(reasons, 'model.subnet')).toBeCloseTo(-4.32523126, 8);
    // ip (κ = 3): p = 7/1004 = 0.006972; b = 0.753569 · p/p(subnet) = 0.526972;
    //      p̃ = (6 + 3b)/13 = 0.583148; ln(p/p̃) = −4.426522
    expect(contributionOf(reasons, 'model.ip')).toBeCloseTo(-4.426522242, 8);
    expect(score).toBeCloseTo(-9.992242664, 8);
    expect(reasonOf(reasons, 'model.ip')?.message).toBe(
      "IP 203.0.113.7: seen in 6 of 10 of this account's sessions; 0.7 % of all sessions.",
    );
  });

  it('backs a new IP off to what the account did in its subnet, network and country', () => {
    const { global, history } = world();
    const score = (session: Session) => scoreEvent(sessionFeatures(session), history, global, networkOnly);
    const newIpKnownSubnet = score({ ...usualIp, ip: '203.0.113.99' });
    const newSubnetKnownNetwork = score({ ...usualIp, subnet: '203.0.114.0/24', ip: '203.0.114.5' });
    const newEverything = score({ country: 'BR', asn: 16509, subnet: '192.0.2.0/24', ip: '192.0.2.1' });
    // The new IP: p = 1/1004, b = p̃(subnet|u) · p/p(subnet) and p̃ = 3b/13, so
    // ratio = 13 · p(subnet) / (3 · p̃(subnet|u)) = 13 · (10/1003) / (3 · 0.753569): ln = −2.858894.
    expect(contributionOf(newIpKnownSubnet.reasons, 'model.ip')).toBeCloseTo(-2.858894191, 8);
    expect(newIpKnownSubnet.score).toBeCloseTo(-8.424614613, 8);
    expect(newSubnetKnownNetwork.score).toBeCloseTo(2.280347591, 8);
    // Every level new: ln 11 + ln(11·6) + ln(11·6·6) + ln(11·6·6·13/3) = ln(11 · 66 · 396 · 1716).
    expect(newEverything.score).toBeCloseTo(ln(11) + ln(66) + ln(396) + ln(1716), 8);
    expect(newIpKnownSubnet.score).toBeLessThan(newSubnetKnownNetwork.score);
    expect(newSubnetKnownNetwork.score).toBeLessThan(newEverything.score);
  });

  it('skips a level the session does not tell, backing off to the next one up', () => {
    const { global, history } = world();
    // No subnet: the IP's parent is the ASN. b = p̃(AS3320|u) · p(.7)/p(AS3320) = 0.857039 · (7/1004)/(401/1005)
    // = 0.014976; p̃ = (6 + 3b)/13; ln(p/p̃) = −4.200107.
    const { reasons } = scoreEvent(
      sessionFeatures({ ...usualIp, subnet: undefined }),
      history,
      global,
      networkOnly,
    );
    expect(contributionOf(reasons, 'model.ip')).toBeCloseTo(-4.20010721, 8);
    expect(reasonOf(reasons, 'model.subnet')).toBeUndefined();
  });

  it('leaves more room for new values to an account that uses many', () => {
    const { global, history } = world();
    const newIp = { ...usualIp, ip: '203.0.113.99' };
    const steady = contributionOf(
      scoreEvent(sessionFeatures(newIp), history, global, networkOnly).reasons,
      'model.ip',
    );
    // The same counts spread over ten IPs instead of three: a new one surprises less.
    const roaming = {
      ...history,
      tables: {
        ...history.tables,
        ip: Object.fromEntries([...Array(10)].map((_, i) => [`203.0.113.${i}`, 1])),
      },
    };
    const varied = contributionOf(
      scoreEvent(sessionFeatures(newIp), roaming, global, networkOnly).reasons,
      'model.ip',
    );
    expect(varied).toBeLessThan(steady ?? Number.NaN);
  });
});

describe('the popularity term and accounts without history', () => {
  it('is ln(p(u|attack)/p(u|legit)) = ln((N + |U|) / (|U| · (n + 1)))', () => {
    const { global, history } = world();
    const onlyPopularity = atoModelConfig.parse({
      weights: { ip: 0, subnet: 0, asn: 0, country: 0, agent: 0, browser: 0, os: 0, deviceType: 0, hour: 0 },
    });
    const term = (account: AccountHistory) =>
      contributionOf(
        scoreEvent(sessionFeatures(usualIp), account, global, onlyPopularity).reasons,
        'model.popularity',
      );
    // n = 10 is the mean (1000/100): (1000 + 100)/(100 · 11) = 1, ln 1 = 0.
    expect(term(history)).toBeCloseTo(0, 12);
    // n = 54: 1100/(100 · 55) = 0.2, ln 0.2 = −1.609438: a busy account's session is less likely an attack.
    expect(term({ ...history, observations: 54 })).toBeCloseTo(ln(0.2), 12);
  });

  it('gives an account with no history no feature contributions, only the popularity term ln(1 + N/|U|)', () => {
    const { global } = world();
    for (const history of [undefined, newHistory('new', 0)]) {
      const { score, reasons } = scoreEvent(
        sessionFeatures({ country: 'BR', asn: 16509 }),
        history,
        global,
        defaults,
      );
      expect(reasons.map((r) => r.code)).toEqual(['model.popularity', 'model.no_history']);
      expect(contributionOf(reasons, 'model.no_history')).toBe(0);
      // 1100 / (100 · 1) = 11.
      expect(score).toBeCloseTo(ln(11), 12);
      expect(reasonOf(reasons, 'model.popularity')?.message).toBe(
        'Account activity: 0 of 1000 sessions, across 100 accounts (10.0 per account on average).',
      );
    }
  });

  it('scores nothing before the population has any session', () => {
    const { history } = world();
    const empty = createGlobalModel(defaults.global);
    expect(scoreEvent(sessionFeatures(usualIp), history, empty, defaults)).toEqual({
      score: 0,
      reasons: [expect.objectContaining({ code: 'model.no_population', contribution: 0 })],
    });
  });
});

describe('the hour of day', () => {
  /** 24 hours × 10 sessions: p(h) = (10 + 1)/(240 + 1·25) = 11/265 for every hour. */
  function hours(): GlobalModel {
    const global = createGlobalModel(defaults.global);
    for (let h = 0; h < 24; h++) {
      for (let i = 0; i < 10; i++)
        global.observe(sessionFeatures({ kind: 'private', hour: h }), { newAccount: i === 0 });
    }
    return global;
  }
  const hourOnly = atoModelConfig.parse({ weights: { popularity: 0 } });
  const account = (table: Record<string, number>): AccountHistory => ({
    ...newHistory('acc', 0),
    observations: Object.values(table).reduce((a, b) => a + b, 0),
    tables: { hour: table },
  });
  const hourTerm = (history: AccountHistory, hour: number, config: AtoModelConfig = hourOnly) =>
    contributionOf(
      scoreEvent(sessionFeatures({ kind: 'private', hour }), history, hours(), config).reasons,
      'model.hour',
    );

  it('counts half a session at each neighbouring hour, so the edge of a habit is not new', () => {
    const habit = account({ '9': 4, '10': 4 }); // n = 8, two hours used: κ = 2
    // 11 h: c̃ = (0 + ½·(4 + 0)) / (1 + 2·½) = 1; p̃ = (1 + 2·11/265)/10; ln((11/265)/p̃) = ln(110/287) = −0.9590.
    expect(hourTerm(habit, 11)).toBeCloseTo(ln(110 / 287), 10);
    // 15 h: nothing near; p̃ = 2·(11/265)/10: ln 5 = 1.6094.
    expect(hourTerm(habit, 15)).toBeCloseTo(ln(5), 10);
    // 9 h: c̃ = (4 + ½·(0 + 4))/2 = 3; ln((11/265)/((3 + 22/265)/10)) = ln(110/817) = −2.0052.
    expect(hourTerm(habit, 9)).toBeCloseTo(ln(110 / 817), 10);
    // Without neighbours, 11 h is as new as 15 h.
    const noNeighbours = atoModelConfig.parse({ weights: { popularity: 0 }, hourNeighbourWeight: 0 });
    expect(hourTerm(habit, 11, noNeighbours)).toBeCloseTo(ln(5), 10);
  });

  it('wraps around midnight', () => {
    // 4 sessions at 23 h; at 0 h: c̃ = ½·4/2 = 1, p̃ = (1 + 11/265)/5: ln(55/276) = −1.6131.
    expect(hourTerm(account({ '23': 4 }), 0)).toBeCloseTo(ln(55 / 276), 10);
    expect(hourTerm(account({ '23': 4 }), 12)).toBeCloseTo(ln(5), 10);
  });
});

describe('weights, reasons and purity', () => {
  it('leaves a weight-0 feature out of the score but still backs off through it', () => {
    const { global, history } = world();
    const noCountry = atoModelConfig.parse({ weights: { hour: 0, popularity: 0, country: 0, asn: 2 } });
    const { score, reasons } = scoreEvent(
      sessionFeatures({ country: 'BR', asn: 16509 }),
      history,
      global,
      noCountry,
    );
    expect(reasonOf(reasons, 'model.country')).toBeUndefined();
    expect(contributionOf(reasons, 'model.asn')).toBeCloseTo(2 * ln(66), 10);
    expect(score).toBeCloseTo(2 * ln(66), 10);
  });

  it('lists the reasons riskiest first, and the score is their sum', () => {
    const { global, history } = world();
    const session = sessionFeatures({
      ...usualIp,
      ip: '203.0.113.99',
      agent: 'App/2.24',
      os: 'Android 14',
      hour: 3,
    });
    const { score, reasons } = scoreEvent(session, history, global, defaults);
    const contributions = reasons.map((r) => r.contribution);
    expect(contributions).toEqual([...contributions].sort((a, b) => b - a));
    expect(score).toBeCloseTo(
      contributions.reduce((a, b) => a + b, 0),
      10,
    );
    expect(reasons.map((r) => r.code).sort()).toEqual(
      [
        'model.agent',
        'model.asn',
        'model.country',
        'model.hour',
        'model.ip',
        'model.os',
        'model.popularity',
        'model.subnet',
      ].sort(),
    );
  });

  it('scores a frozen history as it scores the same history unfrozen', () => {
    const { global, history } = world();
    const frozen = structuredClone(history);
    for (const table of Object.values(frozen.tables)) Object.freeze(table);
    const session = sessionFeatures({ ...usualIp, ip: '203.0.113.99' });
    expect(scoreEvent(session, frozen, global, defaults).score).toBeCloseTo(
      scoreEvent(session, history, global, defaults).score,
      12,
    );
  });

  it('changes neither the history nor the population', () => {
    const { global, history } = world();
    const before = [JSON.stringify(history), JSON.stringify(global.toSnapshot())];
    scoreEvent(
      sessionFeatures({ country: 'BR', asn: 16509, ip: '192.0.2.1', hour: 3 }),
      history,
      global,
      defaults,
    );
    expect([JSON.stringify(history), JSON.stringify(global.toSnapshot())]).toEqual(before);
  });
});

describe('monotonicity', () => {
  const countries = ['DE', 'BR', 'US'];
  const session = fc.record({
    country: fc.constantFrom(...countries),
    asn: fc.integer({ min: 0, max: 5 }),
    host: fc.integer({ min: 0, max: 3 }),
    os: fc.constantFrom('Android 14', 'iOS 17', 'Windows 11'),
    app: fc.constantFrom('App 2.24', 'App 2.23'),
    hour: fc.integer({ min: 0, max: 23 }),
  });
  type Drawn = { country: string; asn: number; host: number; os: string; app: string; hour: number };
  const toSession = (d: Drawn): Session => ({
    country: d.country,
    asn: 1000 * countries.indexOf(d.country) + d.asn,
    subnet: `10.${d.asn}.0.0/24`,
    ip: `10.${d.asn}.0.${d.host}`,
    os: d.os,
    browser: d.app,
    agent: `${d.app} (${d.os})`,
    deviceType: 'mobile',
    hour: d.hour,
  });

  it('never finds a value riskier for the account having used it once more', () => {
    fc.assert(
      fc.property(
        fc.array(session, { maxLength: 30 }),
        session,
        fc.array(session, { maxLength: 30 }),
        (past, now, others) => {
          const global = createGlobalModel(defaults.global);
          // A population with every hour, so no hour is a majority (the hour's share stays under 1/2).
          for (let h = 0; h < 24; h++)
            global.observe(sessionFeatures({ kind: 'private', hour: h }), { newAccount: true });
          for (const d of [...past, now, ...others]) global.observe(sessionFeatures(toSession(d)));
          const history = newHistory('acc', 0);
          for (const d of past)
            observeEvent(history, login('acc', 1), sessionFeatures(toSession(d)), defaults.history);
          const features = sessionFeatures(toSession(now));
          const before = scoreEvent(features, history, global, defaults).reasons;
          observeEvent(history, login('acc', 2), features, defaults.history);
          const after = scoreEvent(features, history, global, defaults).reasons;
          for (const reason of after) {
            if (reason.code === 'model.popularity' || reason.code === 'model.no_history') continue;
            const earlier = contributionOf(before, reason.code) ?? 0;
            expect(reason.contribution, reason.code).toBeLessThanOrEqual(earlier + 1e-9);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
