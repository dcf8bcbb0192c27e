import { describe, expect, it } from 'vitest';
import { createRuleEngine } from '../../../src/detect/sigma/engine.js';
import type { EngineOptions, RuleMatch } from '../../../src/detect/sigma/types.js';
import { dedent, errorsOf, event, load, yaml } from './support.js';

const minute = 60_000;
const t0 = Date.UTC(2026, 0, 1);

/** Base rules: failed and successful logins, on OCSF Authentication events. */
const baseRules = yaml`
  title: Failed login
  name: failed_login
  logsource:
    category: authentication
  detection:
    selection:
      unmapped.outcome: failure
    condition: selection
  ---
  title: Successful login
  name: successful_login
  logsource:
    category: authentication
  detection:
    selection:
      unmapped.outcome: success
    condition: selection
`;

/** A correlation rule named corr with this (dedented) correlation section. */
function correlation(body: string, header = 'title: Correlation\nname: corr\nlevel: high\n'): string {
  const section = dedent(body)
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `${header}correlation:\n${section}\n`;
}

function engineFor(correlationText: string, options: EngineOptions = {}) {
  const loaded = load(`${baseRules}---\n${correlationText}`);
  expect(loaded.errors).toEqual([]);
  return createRuleEngine(loaded.rules, options);
}

function login(outcome: string, at: number, account = 'acc_1', extra: Record<string, unknown> = {}) {
  return event(
    { outcome, account, ...extra },
    { classUid: 3002, topic: 'ato.login.attempted', time: t0 + at },
  );
}

/** Feeds events, returning the correlation matches as `time:count:group` strings. */
function fired(engine: ReturnType<typeof createRuleEngine>, events: unknown[]): RuleMatch[] {
  return events.flatMap((e) => engine.process(e)).filter((m) => m.kind === 'correlation');
}

const bruteForce = correlation(`
  type: event_count
  rules:
    - failed_login
  group-by:
    - unmapped.account
  timespan: 5m
  condition:
    gte: 3
`);

describe('event_count', () => {
  it('fires when the count is reached within the timespan, on event time', () => {
    const engine = engineFor(bruteForce);
    const events = [login('failure', 0), login('failure', 2 * minute), login('failure', 4 * minute)];
    const [match] = fired(engine, events);
    expect(match).toMatchObject({
      kind: 'correlation',
      rule: { key: 'corr', title: 'Correlation', level: 'high' },
      time: t0 + 4 * minute,
      count: 3,
      group: { 'unmapped.account': 'acc_1' },
      eventIds: events.map((e) => e.metadata.uid),
    });
  });

  it('does not fire when the events are spread wider than the timespan', () => {
    const engine = engineFor(bruteForce);
    expect(
      fired(engine, [login('failure', 0), login('failure', 3 * minute), login('failure', 6 * minute)]),
    ).toEqual([]);
    // The window slides: two recent ones and a third make three within 5 minutes.
    expect(fired(engine, [login('failure', 7 * minute)])).toHaveLength(1);
  });

  it('keeps groups apart and clears a group once it fired', () => {
    const engine = engineFor(bruteForce);
    const events = [0, 1, 2].flatMap((i) => [
      login('failure', i * minute, 'a'),
      login('failure', i * minute, 'b'),
    ]);
    expect(fired(engine, events).map((m) => m.group)).toEqual([
      { 'unmapped.account': 'a' },
      { 'unmapped.account': 'b' },
    ]);
    expect(fired(engine, [login('failure', 3 * minute, 'a'), login('failure', 3 * minute, 'a')])).toEqual([]);
    expect(engine.stats()).toMatchObject({ correlations: 2, detections: 8, openGroups: 1 });
  });

  it('never merges groups whose values could be joined alike', () => {
    const twoFields = bruteForce.replace(
      '    - unmapped.account',
      '    - unmapped.account\n    - unmapped.ip',
    );
    const engine = engineFor(twoFields);
    const events = [
      login('failure', 0, 'a\u001fb', { ip: 'c' }),
      login('failure', 1, 'a', { ip: 'b\u001fc' }),
      login('failure', 2, 'a", "b', { ip: 'c' }),
    ];
    expect(fired(engine, events)).toEqual([]);
    expect(engine.stats().openGroups).toBe(3);
  });

  it('skips events that lack a group-by field, and counts them', () => {
    const engine = engineFor(bruteForce);
    const noAccount = () => event({ outcome: 'failure' }, { classUid: 3002, time: t0 });
    expect(fired(engine, [noAccount(), noAccount(), noAccount()])).toEqual([]);
    expect(engine.stats().ungrouped).toBe(3);
  });

  it('suppresses the matches of the rules it refers to, unless generate is true', () => {
    expect(engineFor(bruteForce).process(login('failure', 0))).toEqual([]);
    const engine = engineFor(`${bruteForce}generate: true\n`);
    expect(engine.process(login('failure', 0)).map((m) => m.rule.title)).toEqual(['Failed login']);
    // A rule no correlation names reports its own matches.
    expect(engine.process(login('success', 0)).map((m) => m.rule.title)).toEqual(['Successful login']);
  });

  it('bounds the evidence it reports', () => {
    const engine = engineFor(bruteForce.replace('gte: 3', 'gte: 30'), { maxEvidence: 5 });
    const events = Array.from({ length: 30 }, (_, i) => login('failure', i * 1000));
    const [match] = fired(engine, events);
    expect(match?.count).toBe(30);
    expect(match?.eventIds).toEqual(events.slice(25).map((e) => e.metadata.uid));
  });
});

describe('late and untimed events', () => {
  it('leaves out of correlations events older than the watermark minus the lateness', () => {
    const engine = engineFor(bruteForce, { lateness: minute });
    expect(fired(engine, [login('failure', 10 * minute, 'other')])).toEqual([]);
    // 8 minutes before the newest event: later than the 1 minute allowed.
    const late = [login('failure', 2 * minute), login('failure', 2 * minute), login('failure', 2 * minute)];
    expect(fired(engine, late)).toEqual([]);
    expect(engine.stats()).toMatchObject({ late: 3, detections: 4 });
    // Within the lateness they still count, out of order.
    const inTime = [
      login('failure', 9.5 * minute),
      login('failure', 9 * minute),
      login('failure', 9.8 * minute),
    ];
    expect(fired(engine, inTime)).toHaveLength(1);
  });

  it('still reports the detections of late events', () => {
    const engine = engineFor(bruteForce.replace('- failed_login', '- failed_login\n    - successful_login'), {
      lateness: 0,
    });
    engine.process(login('success', 10 * minute));
    expect(engine.stats().late).toBe(0);
    engine.process(login('failure', 0));
    expect(engine.stats()).toMatchObject({ late: 1, detections: 2 });
  });

  it('counts events without a usable time, and never throws on them', () => {
    const engine = engineFor(bruteForce);
    for (const time of [Number.NaN, Number.POSITIVE_INFINITY, '2026-01-01', undefined]) {
      const e = { ...login('failure', 0), time };
      expect(engine.process(e)).toEqual([]);
    }
    expect(engine.stats()).toMatchObject({ untimed: 4, detections: 4, watermark: Number.NEGATIVE_INFINITY });
  });
});

describe('bounded state', () => {
  it('evicts the least recently fed group beyond maxGroups, and counts it', () => {
    const engine = engineFor(bruteForce, { maxGroups: 2 });
    fired(engine, [login('failure', 0, 'a'), login('failure', 0, 'b'), login('failure', 0, 'a')]);
    fired(engine, [login('failure', 0, 'c')]);
    expect(engine.stats()).toMatchObject({ evictedGroups: 1, openGroups: 2 });
    // a, fed after b, kept its two.
    expect(fired(engine, [login('failure', 1, 'a')])).toHaveLength(1);
    // b was evicted: its one event is forgotten, so two more do not make three.
    expect(fired(engine, [login('failure', 1, 'b'), login('failure', 1, 'b')])).toEqual([]);
  });

  it('caps the events one group holds', () => {
    const engine = engineFor(bruteForce.replace('gte: 3', 'gte: 100'), { maxEventsPerGroup: 10 });
    expect(
      fired(
        engine,
        Array.from({ length: 50 }, (_, i) => login('failure', i)),
      ),
    ).toEqual([]);
    expect(engine.stats().truncated).toBe(40);
  });

  it('refuses options that are not positive whole numbers', () => {
    expect(() => engineFor(bruteForce, { maxGroups: 0 })).toThrow(/maxGroups/);
    expect(() => engineFor(bruteForce, { lateness: -1 })).toThrow(/lateness/);
    expect(() => engineFor(bruteForce, { maxEvidence: 1.5 })).toThrow(/maxEvidence/);
  });
});

describe('value_count', () => {
  const spraying = correlation(`
    type: value_count
    rules:
      - failed_login
    group-by:
      - unmapped.ip
    timespan: 10m
    condition:
      field: unmapped.account
      gte: 3
  `);

  it('counts distinct values of a field per group', () => {
    const engine = engineFor(spraying);
    const from = (account: string, at: number) => login('failure', at, account, { ip: '203.0.113.9' });
    expect(fired(engine, [from('a', 0), from('a', 1), from('b', 2), from('b', 3)])).toEqual([]);
    const [match] = fired(engine, [from('c', 4)]);
    expect(match).toMatchObject({ count: 3, group: { 'unmapped.ip': '203.0.113.9' } });
    expect(match?.eventIds).toHaveLength(5);
  });

  it('forgets values last seen before the window', () => {
    const engine = engineFor(spraying);
    const from = (account: string, at: number) => login('failure', at, account, { ip: '203.0.113.9' });
    expect(fired(engine, [from('a', 0), from('b', minute), from('c', 11 * minute)])).toEqual([]);
    expect(fired(engine, [from('b', 11.5 * minute), from('d', 12 * minute)])).toHaveLength(1);
  });
});

describe('conditions with an upper bound', () => {
  const quiet = (condition: string) =>
    correlation(`
      type: event_count
      rules: [failed_login]
      group-by: [unmapped.account]
      timespan: 10m
      condition: {${condition}}
    `);

  it('judge a window once the watermark has passed its end by the lateness', () => {
    const engine = engineFor(quiet('lt: 3'), { lateness: minute });
    expect(fired(engine, [login('failure', 0), login('failure', minute)])).toEqual([]);
    // The window [0, 10m] closes when the watermark passes 11m.
    expect(fired(engine, [login('success', 10.5 * minute, 'x')])).toEqual([]);
    const [match] = fired(engine, [login('success', 11.5 * minute, 'x')]);
    expect(match).toMatchObject({ count: 2, time: t0 + 10 * minute, group: { 'unmapped.account': 'acc_1' } });
  });

  it('do not fire a window whose count is over the bound', () => {
    const engine = engineFor(quiet('gt: 1, lte: 2'));
    fired(engine, [login('failure', 0, 'a'), login('failure', 1, 'a'), login('failure', 2, 'a')]);
    fired(engine, [login('failure', 0, 'b'), login('failure', 1, 'b')]);
    const matches = engine.advanceTo(t0 + 12 * minute);
    expect(matches.map((m) => [m.group, m.count])).toEqual([[{ 'unmapped.account': 'b' }, 2]]);
    expect(engine.stats().openGroups).toBe(0);
  });

  it('start a new window when a group event comes after the open one ended', () => {
    const engine = engineFor(quiet('eq: 1'), { lateness: 60 * minute });
    fired(engine, [login('failure', 0), login('failure', minute)]);
    // Ends the [0, 10m] window (two events: not one) and opens [11m, 21m].
    expect(fired(engine, [login('failure', 11 * minute)])).toEqual([]);
    const [match] = engine.advanceTo(t0 + 90 * minute);
    expect(match).toMatchObject({ count: 1, time: t0 + 21 * minute });
  });

  it('count as late the events older than their group’s open window', () => {
    const engine = engineFor(quiet('eq: 1'), { lateness: 60 * minute });
    fired(engine, [login('failure', 0), login('failure', 11 * minute), login('failure', 5 * minute)]);
    expect(engine.stats()).toMatchObject({ late: 1, detections: 3 });
  });

  it('advanceTo never moves the watermark back', () => {
    const engine = engineFor(quiet('lt: 3'));
    engine.process(login('failure', 5 * minute));
    expect(engine.advanceTo(t0)).toEqual([]);
    expect(engine.stats().watermark).toBe(t0 + 5 * minute);
  });
});

describe('temporal', () => {
  const both = correlation(`
    type: temporal
    rules: [failed_login, successful_login]
    group-by: [unmapped.account]
    timespan: 5m
  `);

  it('fires when every rule matched within the timespan, in any order', () => {
    const engine = engineFor(both);
    expect(fired(engine, [login('success', 0), login('failure', 6 * minute)])).toEqual([]);
    const [match] = fired(engine, [login('success', 8 * minute)]);
    expect(match).toMatchObject({ count: 2, time: t0 + 8 * minute });
    expect(match?.eventIds).toHaveLength(2);
  });

  it('takes a condition on how many of the rules must match', () => {
    const engine = engineFor(both.replace('timespan: 5m', 'timespan: 5m\n  condition: {gte: 1}'));
    expect(fired(engine, [login('success', 0)])).toHaveLength(1);
  });
});

describe('temporal_ordered', () => {
  const failThenSucceed = correlation(`
    type: temporal_ordered
    rules: [failed_login, successful_login]
    group-by: [unmapped.account]
    timespan: 5m
  `);

  it('fires only when the rules matched in the order written', () => {
    const engine = engineFor(failThenSucceed);
    expect(fired(engine, [login('success', 0), login('failure', minute)])).toEqual([]);
    const [match] = fired(engine, [login('success', 2 * minute)]);
    expect(match).toMatchObject({ count: 2 });
    expect(fired(engine, [login('success', 3 * minute)])).toEqual([]);
  });

  it('needs the whole sequence within the timespan', () => {
    const engine = engineFor(failThenSucceed);
    expect(fired(engine, [login('failure', 0), login('success', 6 * minute)])).toEqual([]);
  });
});

describe('chains and aliases', () => {
  it('runs the specification example: many failed logins, then a successful one', () => {
    const chain = yaml`
      title: Many failed logins then a success
      correlation:
        type: temporal_ordered
        rules:
          - many_failed
          - successful_login
        group-by:
          - unmapped.account
        timespan: 10m
      level: high
      ---
      title: Many failed logins
      name: many_failed
      correlation:
        type: event_count
        rules:
          - failed_login
        group-by:
          - unmapped.account
        timespan: 10m
        condition:
          gte: 3
    `;
    const engine = engineFor(chain);
    const events = [login('failure', 0), login('failure', 1), login('failure', 2), login('success', 3)];
    const matches = events.flatMap((e) => engine.process(e));
    expect(matches.map((m) => [m.rule.title, m.count])).toEqual([['Many failed logins then a success', 2]]);
    expect(matches[0]?.eventIds).toEqual(events.map((e) => e.metadata.uid));
  });

  it('groups by an alias naming a different field in each rule', () => {
    const aliased = correlation(`
      type: temporal
      rules: [failed_login, successful_login]
      group-by: [who]
      timespan: 5m
      aliases:
        who:
          failed_login: unmapped.account
          successful_login: actor.user.uid
    `);
    const engine = engineFor(aliased);
    const success = event({ outcome: 'success' }, { classUid: 3002, time: t0 + 1, actor: 'acc_1' });
    const [match] = fired(engine, [login('failure', 0), success]);
    expect(match?.group).toEqual({ who: 'acc_1' });
  });
});

describe('correlation errors', () => {
  it('refuse cyclic references, naming the cycle, at each rule in it', () => {
    const cyclic = yaml`
      title: A
      name: a
      correlation:
        type: event_count
        rules: [b]
        timespan: 1m
        condition: {gte: 2}
      ---
      title: B
      name: b
      correlation:
        type: event_count
        rules: [a]
        timespan: 1m
        condition: {gte: 2}
      ---
      title: C
      correlation:
        type: event_count
        rules: [a]
        timespan: 1m
        condition: {gte: 2}
    `;
    expect(errorsOf(cyclic)).toEqual([
      'rule.yml:5 cyclic correlation reference: a → b → a',
      'rule.yml:13 cyclic correlation reference: b → a → b',
      "rule.yml:20 refers to rule 'a', which did not load",
    ]);
  });

  it('refuse references to unknown rules and to rules that failed', () => {
    const failing =
      'title: Bad\nname: bad\nlogsource: {category: authentication}\ndetection:\n  s:\n    x|nope: 1\n  condition: s\n';
    const corr =
      'title: C\ncorrelation:\n  type: event_count\n  rules:\n    - bad\n    - missing\n  timespan: 1m\n  condition: {gte: 2}\n';
    expect(errorsOf(failing, corr)).toEqual([
      "rule.yml:6 s: unknown modifier 'nope'",
      "other.yml:5 refers to rule 'bad', which did not load",
      "other.yml:6 refers to unknown rule 'missing'",
    ]);
  });

  it('report bad timespans, types and conditions at their lines', () => {
    const errors = (body: string) =>
      load(`${baseRules}---\n${correlation(body)}`).errors.map(
        (e) => `${e.line} ${e.message}${e.feature ? ` [${e.feature}]` : ''}`,
      );
    expect(errors('type: event_count\nrules: [failed_login]\ntimespan: 1 hour\ncondition: {gte: 2}')).toEqual(
      ["25 bad timespan '1 hour': a number and one of s, m, h, d (as 90m)"],
    );
    expect(errors('type: event_count\nrules: [failed_login]\ncondition: {gte: 2}')).toEqual([
      '22 correlation has no timespan',
    ]);
    expect(
      errors('type: value_sum\nrules: [failed_login]\ntimespan: 1h\ncondition: {gt: 2, field: n}'),
    ).toEqual(["23 correlation type 'value_sum' is not supported [value_sum]"]);
    expect(errors('type: count\nrules: [failed_login]\ntimespan: 1h')).toEqual([
      "23 unknown correlation type 'count'",
    ]);
    expect(errors('type: event_count\nrules: [failed_login]\ntimespan: 1h')).toEqual([
      '22 event_count needs a condition',
    ]);
    expect(errors('type: event_count\nrules: [failed_login]\ntimespan: 1h\ncondition: {gte: -1}')).toEqual([
      '26 condition gte must be a whole number',
      '26 correlation condition has no bound (gt, gte, lt, lte, eq, neq)',
    ]);
    expect(errors('type: value_count\nrules: [failed_login]\ntimespan: 1h\ncondition: {gte: 2}')).toEqual([
      '26 value_count condition needs a field',
    ]);
    expect(
      errors('type: temporal_ordered\nrules: [failed_login]\ntimespan: 1h\ncondition: {gte: 1}'),
    ).toEqual([
      '26 temporal_ordered takes no condition: all its rules, in order [temporal_ordered condition]',
    ]);
    expect(errors('type: temporal\nrules: [failed_login]\ntimespan: 1h\ncondition: {lt: 2}')).toEqual([
      '26 temporal takes only gt, gte or eq [temporal upper bound]',
    ]);
    expect(errors('type: temporal\nrules: []\ntimespan: 1h')).toEqual(['24 correlation refers to no rule']);
  });
});
