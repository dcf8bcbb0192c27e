import { describe, expect, it } from 'vitest';
import { parseRuleFile, parseTimespan } from '../../../src/detect/sigma/parse.js';
import { detectionRule, errorsOf, load, yaml } from './support.js';

const good = detectionRule('selection:\n  unmapped.a: 1');

/** Errors of one detection rule with this selection body, as `line message feature`. */
function selectionErrors(body: string): string[] {
  return load(detectionRule(body)).errors.map(
    (e) => `${e.line} ${e.message}${e.feature ? ` [${e.feature}]` : ''}`,
  );
}

describe('malformed rules', () => {
  it('report bad YAML with its line and column', () => {
    const text = yaml`
      title: Broken
      logsource:
        product: custos
      detection:
        selection:
          unmapped.a: 1
         bad: 2
        condition: selection
    `;
    expect(load(text).errors).toEqual([
      {
        file: 'rule.yml',
        line: 7,
        column: 1,
        message: 'YAML: All mapping items must start at the same column',
      },
    ]);
    expect(errorsOf('title: x\n\tlogsource: y\n')).toEqual([
      'rule.yml:2 YAML: Tabs are not allowed as indentation',
    ]);
  });

  it('report duplicate keys as YAML errors', () => {
    expect(errorsOf(detectionRule('selection:\n  unmapped.a: 1\n  unmapped.a: 2'))[0]).toMatch(
      /^rule\.yml:8 YAML: Map keys must be unique/,
    );
  });

  it('refuse YAML aliases, which could multiply a small file into a huge rule', () => {
    expect(errorsOf(detectionRule('base: &x\n  unmapped.a: 1\nselection: *x'))).toEqual([
      'rule.yml:8 YAML aliases are not supported in rules',
    ]);
  });

  it('name unknown modifiers, and refused ones by feature', () => {
    expect(selectionErrors('selection:\n  unmapped.a|contans: x')).toEqual([
      "7 selection: unknown modifier 'contans'",
    ]);
    expect(selectionErrors('selection:\n  unmapped.a|windash|contains: -x')).toEqual([
      "7 selection: modifier 'windash' is not supported [windash]",
    ]);
    for (const feature of [
      'base64',
      'base64offset',
      'cased',
      'expand',
      'fieldref',
      'neq',
      'utf16le',
      'hour',
    ]) {
      expect(selectionErrors(`selection:\n  unmapped.a|${feature}: x`)).toEqual([
        `7 selection: modifier '${feature}' is not supported [${feature}]`,
      ]);
    }
  });

  it('report values a modifier cannot take, at the value', () => {
    expect(selectionErrors('selection:\n  unmapped.a|gt: many')).toEqual([
      "7 selection: unmapped.a|gt: 'gt' takes a number",
    ]);
    expect(selectionErrors('selection:\n  unmapped.a|exists: yes')).toEqual([
      "7 selection: unmapped.a|exists: 'exists' takes true or false",
    ]);
    expect(selectionErrors('selection:\n  unmapped.a|cidr: 10.0.0.0/33')).toEqual([
      "7 selection: unmapped.a|cidr: '10.0.0.0/33' has a prefix length out of range",
    ]);
    expect(selectionErrors('selection:\n  unmapped.a|cidr: example.com')).toEqual([
      "7 selection: unmapped.a|cidr: 'example.com' is not a CIDR network",
    ]);
    expect(selectionErrors("selection:\n  unmapped.a|re: '(?<=x'")[0]).toMatch(
      /^7 selection: unmapped\.a\|re: regular expression not valid in JavaScript/,
    );
    expect(selectionErrors('selection:\n  unmapped.a|contains: null')).toEqual([
      "7 selection: unmapped.a|contains: null does not take 'contains'",
    ]);
    expect(selectionErrors('selection:\n  unmapped.a:\n    b: c')).toEqual([
      '8 selection: unmapped.a: a field takes a value or a list of values, not a map',
    ]);
  });

  it('report modifiers that do not combine', () => {
    expect(selectionErrors('selection:\n  unmapped.a|contains|re: x')).toEqual([
      "7 selection: modifiers 'contains' and 're' do not combine",
    ]);
    expect(selectionErrors('selection:\n  unmapped.a|i: x')).toEqual([
      "7 selection: modifier 'i' only follows 're'",
    ]);
    expect(selectionErrors("selection:\n  '|exists': true")).toEqual([
      "7 selection: 'exists' takes a field and no other modifier",
    ]);
    expect(selectionErrors("selection:\n  '|gt': 3")).toEqual([
      "7 selection: keyword search does not take 'gt'",
    ]);
  });

  it('report searches that are not maps or lists, and empty ones', () => {
    expect(selectionErrors('selection: just text')).toEqual([
      '6 selection: a search identifier must be a map of fields or a list',
    ]);
    expect(selectionErrors('selection: {}')).toEqual(['6 selection: empty map']);
    expect(selectionErrors('selection: []')).toEqual(['6 selection: empty list']);
  });

  it('report a missing detection, condition, logsource or title', () => {
    expect(errorsOf('title: x\nlogsource:\n  product: custos\n')).toEqual(['rule.yml:1 missing detection']);
    expect(errorsOf('title: x\nlogsource: {product: custos}\ndetection:\n  selection:\n    a: 1\n')).toEqual([
      'rule.yml:3 detection has no condition',
    ]);
    expect(errorsOf('title: x\ndetection:\n  selection:\n    a: 1\n  condition: selection\n')).toEqual([
      'rule.yml:1 missing logsource',
    ]);
    expect(errorsOf(good.replace('title: Test rule', 'description: no title'))).toEqual([
      'rule.yml:1 missing title',
    ]);
    expect(errorsOf('- a list\n- not a rule\n')).toEqual(['rule.yml:1 a rule must be a YAML map']);
    expect(errorsOf('title: x\nlogsource: {}\ndetection:\n  condition: selection\n')).toEqual([
      'rule.yml:3 detection has no search identifier',
    ]);
  });

  it('report an unknown level at its value', () => {
    expect(errorsOf(`${good}level: severe\n`)).toEqual([
      "rule.yml:9 unknown level 'severe' (one of informational, low, medium, high, critical)",
    ]);
  });

  it('refuse Sigma 1 constructs and filters by name', () => {
    const refused = (text: string) => load(text).errors.map((e) => `${e.line} ${e.feature}`);
    expect(refused(`action: global\n${good}`)).toEqual(['1 action']);
    expect(refused(good.replace('  condition:', '  timeframe: 5m\n  condition:'))).toEqual(['8 timeframe']);
    expect(refused('title: f\nlogsource: {product: custos}\nfilter:\n  rules: [x]\n')).toEqual(['3 filter']);
  });

  it('warn of a file that holds no rule', () => {
    expect(parseRuleFile('# nothing\n', 'empty.yml')).toEqual({
      documents: [],
      errors: [],
      warnings: [{ file: 'empty.yml', line: 1, message: 'file holds no rule' }],
    });
  });

  it('refuse files over a megabyte whole', () => {
    expect(errorsOf(`${good}#${'x'.repeat(1024 * 1024)}\n`)).toEqual([
      'rule.yml:1 file is larger than 1048576 bytes',
    ]);
  });

  it('refuse YAML nested beyond reason', () => {
    const deep = `${'['.repeat(100)}1${']'.repeat(100)}`;
    expect(errorsOf(`${good}extra: ${deep}\n`)[0]).toMatch(/^rule\.yml:9 YAML nested deeper than 64 levels/);
  });
});

describe('multi-document files', () => {
  it('load every document, and report a bad one at its line in the file', () => {
    const text = [
      good,
      detectionRule('selection:\n  unmapped.a|bogus: 1'),
      good.replace('Test rule', 'Third'),
    ].join('---\n');
    const result = load(text);
    expect(result.rules.map((rule) => rule.title)).toEqual(['Test rule', 'Third']);
    expect(result.errors.map((e) => `${e.file}:${e.line} ${e.message}`)).toEqual([
      "rule.yml:16 selection: unknown modifier 'bogus'",
    ]);
  });

  it('keep the good documents when one has a YAML error', () => {
    const result = load(`${good}---\ntitle: [unclosed\n---\n${good.replace('Test rule', 'After')}`);
    expect(result.rules.map((rule) => rule.title)).toEqual(['Test rule', 'After']);
    expect(result.errors).toHaveLength(1);
    // The YAML library notices the unclosed list where the next document starts.
    expect(result.errors[0]?.line).toBe(11);
  });

  it('never let a bad file stop the others', () => {
    const result = load(': : :\n\t- nonsense', good);
    expect(result.rules.map((rule) => rule.file)).toEqual(['other.yml']);
    expect(result.errors.every((e) => e.file === 'rule.yml')).toBe(true);
    expect(result.errors.length).toBeGreaterThan(0);
  });

  it('report duplicate ids and names at the second rule, pointing at the first', () => {
    const a = `id: rule-1\nname: shared\n${good}`;
    const b = `id: rule-1\n${good}`;
    const c = `id: rule-2\nname: shared\n${good}`;
    expect(errorsOf(a, `${b}---\n${c}`)).toEqual([
      "other.yml:1 duplicate rule reference 'rule-1', first used in rule.yml:1",
      "other.yml:11 duplicate rule name 'shared', first used in rule.yml:1",
    ]);
  });
});

describe('timespans', () => {
  it('read a whole number and one of s, m, h, d', () => {
    expect(parseTimespan('30s')).toBe(30_000);
    expect(parseTimespan('90m')).toBe(5_400_000);
    expect(parseTimespan('1h')).toBe(3_600_000);
    expect(parseTimespan('7d')).toBe(604_800_000);
    for (const bad of ['0s', '1.5h', '1H', '1w', 'h', '10', ' 1h', '-1h', '99999999999d']) {
      expect(parseTimespan(bad), bad).toBeUndefined();
    }
  });
});
