import { describe, expect, it } from 'vitest';
import { parseCondition, selectIdentifiers } from '../../../src/detect/sigma/condition.js';
import { compileOne, detectionRule, errorsOf, event } from './support.js';

const searches = `
  sel_a:
    unmapped.a: 1
  sel_b:
    unmapped.b: 1
  filter_c:
    unmapped.c: 1
  _private:
    unmapped.p: 1
`;

/** The payloads of a, b, c, p (each 0 or 1) this condition matches, as strings like "ab". */
function truthTable(condition: string): string[] {
  const rule = compileOne(searches, condition);
  const out: string[] = [];
  for (let mask = 0; mask < 16; mask++) {
    const payload: Record<string, number> = {};
    ['a', 'b', 'c', 'p'].forEach((name, bit) => {
      if (mask & (1 << bit)) payload[name] = 1;
    });
    if (rule.matches(event(payload))) out.push(Object.keys(payload).join('') || '-');
  }
  return out;
}

describe('conditions', () => {
  it('combine with and, or and not', () => {
    expect(truthTable('sel_a and sel_b')).toEqual(['ab', 'abc', 'abp', 'abcp']);
    expect(truthTable('sel_a and not sel_b and not filter_c and not _private')).toEqual(['a']);
    expect(truthTable('not sel_a and not sel_b and not filter_c and not _private')).toEqual(['-']);
  });

  it('bind not tighter than and, and and tighter than or', () => {
    expect(truthTable('sel_a or sel_b and filter_c')).toEqual(truthTable('sel_a or (sel_b and filter_c)'));
    expect(truthTable('not sel_a and sel_b')).toEqual(truthTable('(not sel_a) and sel_b'));
    expect(truthTable('(sel_a or sel_b) and filter_c')).toEqual(['ac', 'bc', 'abc', 'acp', 'bcp', 'abcp']);
    expect(truthTable('not (sel_a or sel_b)')).toEqual(['-', 'c', 'p', 'cp']);
  });

  it('read and, or, not in any case', () => {
    expect(truthTable('sel_a AND NOT sel_b')).toEqual(truthTable('sel_a and not sel_b'));
  });

  it('expand 1 of and all of over a pattern', () => {
    expect(truthTable('1 of sel_*')).toEqual(truthTable('sel_a or sel_b'));
    expect(truthTable('all of sel_*')).toEqual(truthTable('sel_a and sel_b'));
    expect(truthTable('1 of sel_* and not 1 of filter*')).toEqual(
      truthTable('(sel_a or sel_b) and not filter_c'),
    );
    expect(truthTable('all of *_c')).toEqual(truthTable('filter_c'));
  });

  it('expand them over every search but those starting with _', () => {
    expect(truthTable('1 of them')).toEqual(truthTable('sel_a or sel_b or filter_c'));
    expect(truthTable('all of them')).toEqual(truthTable('sel_a and sel_b and filter_c'));
    expect(truthTable('1 of _*')).toEqual(truthTable('_private'));
  });

  it('OR a list of conditions', () => {
    const rule = compileOne(searches, '\n    - sel_a and sel_b\n    - filter_c');
    expect(rule.matches(event({ a: 1, b: 1 }))).toBe(true);
    expect(rule.matches(event({ c: 1 }))).toBe(true);
    expect(rule.matches(event({ a: 1 }))).toBe(false);
  });

  it('parse into a tree with positions', () => {
    expect(parseCondition('a or not (b and 1 of c*)')).toEqual({
      op: 'or',
      args: [
        { op: 'ref', name: 'a', at: 0 },
        {
          op: 'not',
          arg: {
            op: 'and',
            args: [
              { op: 'ref', name: 'b', at: 10 },
              { op: 'of', quantifier: 'one', pattern: 'c*', at: 16 },
            ],
          },
        },
      ],
    });
    expect(selectIdentifiers('sel*', ['sel', 'selection', 'xsel', '_sel'])).toEqual(['sel', 'selection']);
    expect(selectIdentifiers('a.b*', ['a.bc', 'axbc'])).toEqual(['a.bc']);
  });
});

describe('condition errors', () => {
  const rule = (condition: string) =>
    detectionRule('selection:\n  unmapped.a: 1\nfilter:\n  unmapped.b: 1', condition);

  it('name an unknown identifier with file, line and place', () => {
    expect(errorsOf(rule('selection and not fitler'))).toEqual([
      "rule.yml:10 condition: unknown search identifier 'fitler' (at character 19)",
    ]);
  });

  it('name patterns that select nothing', () => {
    expect(errorsOf(rule('1 of sel_*'))).toEqual([
      "rule.yml:10 condition: '1 of sel_*' matches no search identifier (at character 1)",
    ]);
  });

  it('report syntax errors', () => {
    expect(errorsOf(rule('selection and'))).toEqual([
      'rule.yml:10 condition: condition ends where an identifier was expected (at character 14)',
    ]);
    expect(errorsOf(rule('(selection or filter'))).toEqual([
      "rule.yml:10 condition: condition ends where ')' was expected (at character 21)",
    ]);
    expect(errorsOf(rule('selection filter'))).toEqual([
      "rule.yml:10 condition: unexpected 'filter' (at character 11)",
    ]);
    expect(errorsOf(rule('selection or )'))).toEqual([
      "rule.yml:10 condition: unexpected ')' (at character 14)",
    ]);
    expect(errorsOf(rule("''"))).toEqual(['rule.yml:10 condition: empty condition (at character 1)']);
  });

  it('refuse Sigma 1 aggregations, near and counts other than 1 or all, by name', () => {
    const refused = (condition: string) => {
      const [error] = errorsOf(rule(condition));
      return error;
    };
    expect(refused('selection | count() by user > 5')).toBe(
      'rule.yml:10 condition: aggregations after | are Sigma 1: use a correlation rule (at character 11)',
    );
    expect(refused('selection and near filter')).toContain("'near' is not supported");
    expect(refused('2 of them')).toContain("'2 of' is not supported");
  });

  it('refuse conditions nested beyond a bound instead of exhausting the stack', () => {
    const deep = `${'('.repeat(200)}selection${')'.repeat(200)}`;
    expect(errorsOf(rule(deep))[0]).toContain('nested deeper than 64');
    expect(errorsOf(rule(`${'not '.repeat(100)}selection`))[0]).toContain('nested deeper than 64');
    expect(errorsOf(rule(`${'not '.repeat(5000)}selection`))[0]).toContain('longer than 4096 characters');
  });
});
