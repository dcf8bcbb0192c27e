import { describe, expect, it } from 'vitest';
import { compilePattern, tokenize } from '../../../src/detect/sigma/pattern.js';
import { compileOne, event } from './support.js';

/** Whether a rule with this one selection matches an event with this payload. */
function matches(selection: string, payload: Record<string, unknown>): boolean {
  return compileOne(`selection:\n  ${selection.split('\n').join('\n  ')}`).matches(event(payload));
}

describe('plain string values', () => {
  it('match the whole value, without regard to case', () => {
    expect(matches('unmapped.decision: Deny', { decision: 'deny' })).toBe(true);
    expect(matches('unmapped.decision: deny', { decision: 'DENY' })).toBe(true);
    expect(matches('unmapped.decision: deny', { decision: 'denied' })).toBe(false);
    expect(matches('unmapped.decision: deny', { decision: 'undeny' })).toBe(false);
  });

  it('treat * as any run of characters and ? as exactly one', () => {
    expect(matches("unmapped.path: '/v1/*/grants'", { path: '/v1/acme/grants' })).toBe(true);
    expect(matches("unmapped.path: '/v1/*/grants'", { path: '/v1/grants' })).toBe(false);
    expect(matches("unmapped.path: '/v1/*/grants'", { path: '/v1/a/b/grants' })).toBe(true);
    expect(matches("unmapped.code: 'ab?d'", { code: 'abcd' })).toBe(true);
    expect(matches("unmapped.code: 'ab?d'", { code: 'abd' })).toBe(false);
    expect(matches("unmapped.code: 'ab?d'", { code: 'abccd' })).toBe(false);
    expect(matches("unmapped.code: 'a*b*c'", { code: 'aXXbYYbZZc' })).toBe(true);
    expect(matches("unmapped.code: 'a*b*c'", { code: 'aXXbYYbZZcd' })).toBe(false);
    expect(matches("unmapped.code: '*'", { code: '' })).toBe(true);
  });

  it('read backslash escapes as the specification does', () => {
    expect(matches("unmapped.s: 'a\\*b'", { s: 'a*b' })).toBe(true);
    expect(matches("unmapped.s: 'a\\*b'", { s: 'aXb' })).toBe(false);
    expect(matches("unmapped.s: 'a\\?'", { s: 'a?' })).toBe(true);
    expect(matches("unmapped.s: 'a\\?'", { s: 'ab' })).toBe(false);
    // A backslash before anything else is itself: Windows paths need no doubling.
    expect(matches("unmapped.s: 'C:\\Windows\\cmd.exe'", { s: 'c:\\windows\\cmd.exe' })).toBe(true);
    // \\ is one backslash; \\* is a backslash and then a wildcard.
    expect(matches("unmapped.s: 'a\\\\b'", { s: 'a\\b' })).toBe(true);
    expect(matches("unmapped.s: 'dir\\\\*'", { s: 'dir\\anything' })).toBe(true);
    expect(matches("unmapped.s: 'dir\\\\\\*'", { s: 'dir\\*' })).toBe(true);
    expect(matches("unmapped.s: 'dir\\\\\\*'", { s: 'dir\\x' })).toBe(false);
  });

  it('tokenize escapes into literal text and wildcards', () => {
    expect(tokenize('a\\*b*c?')).toEqual(['a*b', 0, 'c', 1]);
    expect(tokenize('**x')).toEqual([0, 'x']);
    expect(tokenize('\\\\\\\\')).toEqual(['\\\\']);
    expect(compilePattern('A*Z', 'whole')('abcz')).toBe(true);
  });

  it('compare numbers and booleans by value or by their text', () => {
    expect(matches('unmapped.count: 3', { count: 3 })).toBe(true);
    expect(matches('unmapped.count: 3', { count: '3' })).toBe(true);
    expect(matches('unmapped.count: 3', { count: 4 })).toBe(false);
    expect(matches("unmapped.count: '3'", { count: 3 })).toBe(true);
    expect(matches('unmapped.flag: true', { flag: true })).toBe(true);
    expect(matches('unmapped.flag: true', { flag: 'TRUE' })).toBe(true);
    expect(matches('unmapped.flag: true', { flag: false })).toBe(false);
  });

  it('never match objects, and never read inherited properties', () => {
    expect(matches("unmapped.x: '*'", { x: { y: 1 } })).toBe(false);
    expect(matches('unmapped.toString|exists: true', {})).toBe(false);
    expect(matches("unmapped.constructor: '*'", {})).toBe(false);
    expect(matches("unmapped.__proto__: '*'", {})).toBe(false);
  });
});

describe('lists and maps', () => {
  it('OR the values of a list and AND the fields of a map', () => {
    const rule = compileOne(`
      selection:
        unmapped.decision:
          - deny
          - block
        unmapped.mode: sync
    `);
    expect(rule.matches(event({ decision: 'block', mode: 'sync' }))).toBe(true);
    expect(rule.matches(event({ decision: 'deny', mode: 'sync' }))).toBe(true);
    expect(rule.matches(event({ decision: 'allow', mode: 'sync' }))).toBe(false);
    expect(rule.matches(event({ decision: 'deny', mode: 'batch' }))).toBe(false);
  });

  it('OR exact values, prefixes, suffixes, substrings and patterns of one list alike', () => {
    const rule = "unmapped.s:\n    - Exact\n    - 'pre*'\n    - '*suf'\n    - '*mid*'\n    - 'a?c*'\n    - 3";
    for (const hit of ['exact', 'PREFIX', 'x-SUF', 'xmidx', 'abcde', 3, '3']) {
      expect(matches(rule, { s: hit }), String(hit)).toBe(true);
    }
    for (const miss of ['exactly', 'xpre', 'sufx', 'ac', 4])
      expect(matches(rule, { s: miss }), String(miss)).toBe(false);
    const starts = 'unmapped.s|startswith:\n    - one\n    - TWO';
    for (const hit of ['One!', 'two-2']) expect(matches(starts, { s: hit }), hit).toBe(true);
    expect(matches(starts, { s: 'xone' })).toBe(false);
  });

  it('OR the maps of a list', () => {
    const rule = compileOne(`
      selection:
        - unmapped.a: 1
        - unmapped.b: 2
    `);
    expect(rule.matches(event({ a: 1 }))).toBe(true);
    expect(rule.matches(event({ b: 2 }))).toBe(true);
    expect(rule.matches(event({ a: 2, b: 1 }))).toBe(false);
  });

  it('match an empty list of values never', () => {
    expect(matches('unmapped.a: []', { a: 'x' })).toBe(false);
  });
});

describe('field paths', () => {
  it('follow dots into the event, from its top', () => {
    const rule = compileOne('selection:\n  actor.user.uid: usr_1\n  class_uid: 3005');
    expect(rule.matches(event({}, { actor: 'usr_1' }))).toBe(true);
    expect(rule.matches(event({}, { actor: 'usr_2' }))).toBe(false);
    expect(rule.matches(event({}))).toBe(false);
  });

  it('match when any element of an array on the path matches', () => {
    expect(matches('unmapped.reasons: sweep', { reasons: ['velocity', 'sweep'] })).toBe(true);
    expect(matches('unmapped.reasons: sweep', { reasons: ['velocity'] })).toBe(false);
    expect(matches('unmapped.hops.ip: 10.0.0.1', { hops: [{ ip: '1.1.1.1' }, { ip: '10.0.0.1' }] })).toBe(
      true,
    );
    expect(matches('unmapped.hops.ip: 10.0.0.1', { hops: [[{ ip: '10.0.0.1' }]] })).toBe(false);
  });
});

describe('null and exists', () => {
  it('match null when the field is missing or null, and only then', () => {
    expect(matches('unmapped.asn: null', {})).toBe(true);
    expect(matches('unmapped.asn: null', { asn: null })).toBe(true);
    expect(matches('unmapped.asn: null', { asn: 0 })).toBe(false);
    expect(matches("unmapped.asn: ''", { asn: '' })).toBe(true);
    expect(matches("unmapped.asn: ''", {})).toBe(false);
  });

  it('test presence with exists, null included', () => {
    expect(matches('unmapped.asn|exists: true', { asn: null })).toBe(true);
    expect(matches('unmapped.asn|exists: true', {})).toBe(false);
    expect(matches('unmapped.asn|exists: false', {})).toBe(true);
    expect(matches('unmapped.asn|exists: false', { asn: 1 })).toBe(false);
  });
});

describe('modifiers', () => {
  it('contains, startswith and endswith put stars around the value, case-insensitively', () => {
    expect(matches('unmapped.ua|contains: Python', { ua: 'my-python-requests/2' })).toBe(true);
    expect(matches('unmapped.ua|contains: Python', { ua: 'curl' })).toBe(false);
    expect(matches('unmapped.ua|startswith: Curl/', { ua: 'curl/8.1' })).toBe(true);
    expect(matches('unmapped.ua|startswith: Curl/', { ua: 'x curl/8.1' })).toBe(false);
    expect(matches('unmapped.ua|endswith: .EXE', { ua: 'C:\\tool.exe' })).toBe(true);
    expect(matches('unmapped.ua|endswith: .EXE', { ua: 'tool.exe.txt' })).toBe(false);
    expect(matches("unmapped.ua|contains: 'a*c'", { ua: 'xxabbbcxx' })).toBe(true);
  });

  it('all requires every value', () => {
    const rule = 'unmapped.cmd|contains|all:\n    - -u\n    - -p';
    expect(matches(rule, { cmd: 'tool -u me -p secret' })).toBe(true);
    expect(matches(rule, { cmd: 'tool -u me' })).toBe(false);
    // Each value may be met by a different element of an array.
    expect(matches(rule, { cmd: ['-u me', '-p x'] })).toBe(true);
  });

  it('re matches a regular expression anywhere, case-sensitively unless told', () => {
    expect(matches("unmapped.s|re: '^usr_[0-9]+$'", { s: 'usr_42' })).toBe(true);
    expect(matches("unmapped.s|re: '^usr_[0-9]+$'", { s: 'USR_42' })).toBe(false);
    expect(matches("unmapped.s|re|i: '^usr_[0-9]+$'", { s: 'USR_42' })).toBe(true);
    expect(matches("unmapped.s|re: '(?i)^usr_'", { s: 'USR_42' })).toBe(true);
    expect(matches("unmapped.s|re: 'b.c'", { s: 'ab\nc' })).toBe(false);
    expect(matches("unmapped.s|re|s: 'b.c'", { s: 'ab\nc' })).toBe(true);
    expect(matches("unmapped.s|re|m: '^c$'", { s: 'ab\nc' })).toBe(true);
    expect(matches("unmapped.n|re: '^4[0-9]$'", { n: 42 })).toBe(true);
  });

  it('cidr matches IPv4 and IPv6 addresses inside a network', () => {
    expect(matches('unmapped.ip|cidr: 10.0.0.0/8', { ip: '10.20.30.40' })).toBe(true);
    expect(matches('unmapped.ip|cidr: 10.0.0.0/8', { ip: '11.0.0.1' })).toBe(false);
    expect(matches('unmapped.ip|cidr: 10.0.0.0/8', { ip: '::ffff:10.1.2.3' })).toBe(true);
    expect(matches('unmapped.ip|cidr: 192.168.1.7/32', { ip: '192.168.1.7' })).toBe(true);
    expect(matches('unmapped.ip|cidr: 0.0.0.0/0', { ip: '8.8.8.8' })).toBe(true);
    expect(matches("unmapped.ip|cidr: '2001:db8::/32'", { ip: '2001:db8:1::5' })).toBe(true);
    expect(matches("unmapped.ip|cidr: '2001:db8::/32'", { ip: '2001:db9::5' })).toBe(false);
    expect(matches("unmapped.ip|cidr: '2001:db8::/32'", { ip: '10.0.0.1' })).toBe(false);
    expect(matches('unmapped.ip|cidr: 10.0.0.0/8', { ip: 'not an address' })).toBe(false);
    expect(matches('unmapped.ip|cidr: 10.0.0.0/8', { ip: 167772161 })).toBe(false);
  });

  it('gt, gte, lt and lte compare numbers and numeric text', () => {
    expect(matches('unmapped.score|gt: 10', { score: 11 })).toBe(true);
    expect(matches('unmapped.score|gt: 10', { score: 10 })).toBe(false);
    expect(matches('unmapped.score|gte: 10', { score: 10 })).toBe(true);
    expect(matches('unmapped.score|lt: 10', { score: 9.5 })).toBe(true);
    expect(matches('unmapped.score|lte: 10', { score: '10' })).toBe(true);
    expect(matches('unmapped.score|lte: 10', { score: '10 points' })).toBe(false);
    expect(matches('unmapped.score|lt: 10', { score: '' })).toBe(false);
    expect(matches('unmapped.score|lt: 10', {})).toBe(false);
  });
});

describe('keyword search', () => {
  it('looks for each keyword in every string of the event, as a substring', () => {
    const rule = compileOne('keywords:\n  - Sweep\n  - enumeration', 'keywords');
    expect(rule.matches(event({ reasons: ['account ran a SWEEP'] }))).toBe(true);
    expect(rule.matches(event({ deep: { deeper: 'enumeration.hit_rate_low' } }))).toBe(true);
    expect(rule.matches(event({ reasons: ['velocity'] }))).toBe(false);
  });

  it('takes |all to need every keyword', () => {
    const rule = compileOne("keywords:\n  '|all':\n    - grant\n    - break", 'keywords');
    expect(rule.matches(event({ a: 'break-glass', b: 'grant issued' }))).toBe(true);
    expect(rule.matches(event({ a: 'grant issued' }))).toBe(false);
  });

  it('searches the message too', () => {
    const rule = compileOne('keywords:\n  - test event', 'keywords');
    expect(rule.matches(event({}))).toBe(true);
  });
});
