import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuleEngine } from '../../../src/detect/sigma/engine.js';
import { loadRules } from '../../../src/detect/sigma/load.js';
import { classByCategory, mapLogsource, platformClass } from '../../../src/detect/sigma/logsource.js';
import { event, load, yaml } from './support.js';

const folder = join(import.meta.dirname, '../../fixtures/sigma/folder');

describe('logsource mapping', () => {
  it('maps product custos and a domain to that domain’s topics, narrowed by service', () => {
    expect(mapLogsource({ product: 'custos', category: 'access' })).toEqual({
      kind: 'topic',
      prefix: 'access.',
    });
    expect(mapLogsource({ product: 'Custos', category: 'ato', service: 'takeover' })).toEqual({
      kind: 'topic',
      prefix: 'ato.takeover.',
    });
  });

  it('maps OCSF class names to class_uid, with no product or product custos', () => {
    expect(mapLogsource({ category: 'authentication' })).toEqual({ kind: 'class', classUid: 3002 });
    expect(mapLogsource({ product: 'custos', category: 'account_change' })).toEqual({
      kind: 'class',
      classUid: 3001,
    });
    expect(classByCategory).toMatchObject({ api_activity: 6003, datastore_activity: 6005 });
    expect(mapLogsource({ category: 'call' })).toEqual({ kind: 'class', classUid: platformClass.call });
    expect(mapLogsource({ category: 'crash' })).toEqual({ kind: 'class', classUid: 99_006_002 });
  });

  it('maps anything else to nothing, saying what it was', () => {
    expect(mapLogsource({ product: 'windows', category: 'process_creation' })).toEqual({
      kind: 'never',
      reason: 'logsource not mapped (product: windows, category: process_creation): never matches',
    });
    expect(mapLogsource({ category: 'authentication', service: 'sshd' }).kind).toBe('never');
    expect(mapLogsource({ product: 'custos' }).kind).toBe('never');
    expect(mapLogsource({ category: 'constructor' }).kind).toBe('never');
    expect(mapLogsource({ product: 'custos', category: 'access', service: '../x' }).kind).toBe('never');
  });
});

const rules = yaml`
  title: Denied access
  id: 6a1b0c8e-0000-4000-8000-000000000001
  author: Custos tests
  logsource:
    product: custos
    category: access
  detection:
    selection:
      unmapped.decision: deny
    condition: selection
  tags:
    - attack.credential_access
    - attack.t1110.003
    - attack.g0016
    - attack.s0002
    - cve.2024-0001
  level: low
  ---
  title: Any failed authentication
  logsource:
    category: authentication
  detection:
    selection:
      unmapped.decision: deny
    condition: selection
  ---
  title: Windows process
  logsource:
    product: windows
    category: process_creation
  detection:
    selection:
      unmapped.decision: deny
    condition: selection
`;

describe('the engine', () => {
  it('tries an event only against rules its class or topic can match', () => {
    const engine = createRuleEngine(load(rules).rules);
    const denied = { decision: 'deny' };
    const titles = (e: unknown) => engine.process(e).map((m) => m.rule.title);
    expect(titles(event(denied, { topic: 'access.grant.issued', classUid: 3005 }))).toEqual([
      'Denied access',
    ]);
    expect(titles(event(denied, { topic: 'ato.login.attempted', classUid: 3002 }))).toEqual([
      'Any failed authentication',
    ]);
    expect(titles(event(denied, { topic: 'access.x', classUid: 3002 }))).toEqual([
      'Any failed authentication',
      'Denied access',
    ]);
    // An unmapped logsource never matches, even when its detection would.
    expect(titles(event(denied, { topic: 'windows.process', classUid: 1007 }))).toEqual([]);
    expect(titles(event(denied, { topic: 'accessory.x', classUid: 1 }))).toEqual([]);
  });

  it('reports the rule, its ATT&CK tags, author and the evidence event', () => {
    const engine = createRuleEngine(load(rules).rules);
    const e = event({ decision: 'deny' }, { uid: 'evt_42', time: 1_700_000_000_000 });
    expect(engine.process(e)).toEqual([
      {
        kind: 'detection',
        rule: {
          key: '6a1b0c8e-0000-4000-8000-000000000001',
          id: '6a1b0c8e-0000-4000-8000-000000000001',
          title: 'Denied access',
          level: 'low',
          author: 'Custos tests',
          tags: [
            'attack.credential_access',
            'attack.t1110.003',
            'attack.g0016',
            'attack.s0002',
            'cve.2024-0001',
          ],
          attack: {
            tactics: ['credential-access'],
            techniques: ['T1110.003'],
            groups: ['G0016'],
            software: ['S0002'],
          },
          file: 'rule.yml',
          line: 1,
        },
        time: 1_700_000_000_000,
        eventIds: ['evt_42'],
      },
    ]);
  });

  it('shares one frozen description of a rule between its matches', () => {
    const engine = createRuleEngine(load(rules).rules);
    const [first] = engine.process(event({ decision: 'deny' }));
    if (!first) throw new Error('no match');
    expect(Object.isFrozen(first.rule)).toBe(true);
    expect(() => (first.rule.tags as string[]).push('x')).toThrow(TypeError);
    expect(engine.process(event({ decision: 'deny' }))[0]?.rule).toBe(first.rule);
  });

  it('refuses rules of two loads whose keys collide', () => {
    const { rules: once } = load(rules);
    expect(() => createRuleEngine([...once, ...load(rules).rules])).toThrow(/rule keys must be unique/);
  });

  it('warns of unknown ATT&CK tags without refusing the rule', () => {
    const result = load(rules.replace('attack.g0016', 'attack.credentail_access'));
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.message)).toContain("unknown ATT&CK tag 'attack.credentail_access'");
  });

  it('never throws on hostile events, and counts what it skipped', () => {
    const keywordRule = yaml`
      title: Keyword
      logsource:
        category: authentication
      detection:
        keywords:
          - needle
        condition: keywords
    `;
    const engine = createRuleEngine(load(rules, keywordRule).rules);
    const cyclic: Record<string, unknown> = { class_uid: 3002, time: 1 };
    cyclic.self = cyclic;
    const throwing = {
      class_uid: 3005,
      topic: 'access.x',
      get unmapped(): never {
        throw new Error('boom');
      },
    };
    const deep = JSON.parse(`${'{"a":'.repeat(5000)}"needle"${'}'.repeat(5000)}`);
    for (const hostile of [
      null,
      undefined,
      42,
      'text',
      [],
      [event()],
      cyclic,
      throwing,
      { ...deep, class_uid: 3002 },
    ]) {
      expect(() => engine.process(hostile)).not.toThrow();
    }
    expect(engine.stats()).toMatchObject({ events: 9, malformed: 6, ruleFailures: 1 });
  });

  it('finds keywords in wide events without walking them without bound', () => {
    const engine = createRuleEngine(
      load('title: K\nlogsource: {category: authentication}\ndetection:\n  k: [needle]\n  condition: k\n')
        .rules,
    );
    const wide = {
      class_uid: 3002,
      unmapped: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'hay'])),
    };
    expect(engine.process({ ...wide, message: 'needle' })).toHaveLength(1);
    expect(engine.process({ ...wide, unmapped: { ...wide.unmapped, last: 'needle' } })).toEqual([]);
  });
});

describe('loading a folder', () => {
  it('loads every YAML file under it, skips hidden entries and other files, and keeps going past a bad one', async () => {
    const result = await loadRules(folder);
    expect(result.rules.map((rule) => `${rule.file} ${rule.title}`)).toEqual([
      'brute_force.yml Many failed sign-ins to one account',
      'brute_force.yml Failed sign-in',
      'nested/grant_outside_hours.yml Break-glass grant used',
    ]);
    expect(result.errors).toEqual([
      {
        file: 'broken.yaml',
        line: 8,
        column: 16,
        message: "condition: unknown search identifier 'filtre' (at character 19)",
      },
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('runs what it loaded', async () => {
    const engine = createRuleEngine((await loadRules(folder)).rules);
    const failure = (i: number) =>
      event({ outcome: 'failure', account: 'acc_9' }, { classUid: 3002, topic: 'ato.login', time: 1000 * i });
    const matches = [1, 2, 3, 4, 5].flatMap((i) => engine.process(failure(i)));
    expect(matches.map((m) => [m.kind, m.rule.title, m.count, m.rule.attack.techniques])).toEqual([
      ['correlation', 'Many failed sign-ins to one account', 5, ['T1110.001']],
    ]);
    const used = event({}, { topic: 'access.breakglass.used', classUid: 3005 });
    expect(engine.process(used).map((m) => m.rule.level)).toEqual(['critical']);
    expect(engine.process(event({}, { topic: 'access.breakglass.refused' }))).toEqual([]);
  });

  it('reports a folder it cannot read', async () => {
    const result = await loadRules(join(folder, 'missing'));
    expect(result.rules).toEqual([]);
    expect(result.errors).toEqual([{ file: '.', line: 1, message: 'cannot read folder: ENOENT' }]);
  });
});
