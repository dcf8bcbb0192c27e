import { describe, expect, it } from 'vitest';
import { discoveryConfig } from '../../src/core/config.discovery.js';
import { createFingerprinter, readNumbers } from '../../src/discovery/numbers.js';
import { createFingerprintSet } from '../../src/discovery/seen.js';
import { checkEvidence, judge } from '../../src/discovery/signals.js';
import { book, run } from '../support/numbers.js';

const settings = discoveryConfig.parse({});
const config = settings.detection;
const noCanaries = { kind: () => undefined };
const fingerprint = createFingerprinter(Buffer.alloc(32, 3));
const none = { asked: 0, dense: 0, withOwn: 0, foreign: 0, canaries: 0, honey: 0 };

function evidenceOf(numbers: string[], seen = createFingerprintSet(), phone?: string) {
  const read = readNumbers(numbers, fingerprint);
  const fresh = read.numbers.filter((n) => !seen.has(n.fingerprint));
  return checkEvidence({
    config,
    numbers: read.numbers,
    fresh,
    seen,
    fingerprint,
    phone,
    canaries: noCanaries,
  });
}

describe('enumeration evidence of one check', () => {
  it('finds no neighbours in an address book, and every number of a run', () => {
    expect(evidenceOf(book(0, 300))).toEqual({ ...none, asked: 300, sorted: false });
    expect(evidenceOf(run(0, 300))).toEqual({ ...none, asked: 300, dense: 300, sorted: true });
  });

  it('counts numbers within the gap of each other in one check: 10 apart is close, 11 is not', () => {
    const numbers = ['+447911000000', '+447911000010', '+447911000021', '+447700123456'];
    expect(evidenceOf(numbers)).toMatchObject({ asked: 4, dense: 2 });
  });

  it('finds a walk one number per check through what the account looked up before (within ±3)', () => {
    const seen = createFingerprintSet();
    seen.add(fingerprint('+447911000100'));
    // 103 is 3 away from 100: a neighbour; 104 is 4 away: not one.
    expect(evidenceOf(['+447911000103'], seen)).toMatchObject({ asked: 1, dense: 1 });
    expect(evidenceOf(['+447911000104'], seen)).toMatchObject({ asked: 1, dense: 0 });
  });

  it('counts numbers outside the country of the account’s own number, when it is given', () => {
    const mixed = ['+447700900123', '+4915112345678', '+12015550123', '+447400123456'];
    expect(evidenceOf(mixed, undefined, '+447700900999')).toMatchObject({ withOwn: 4, foreign: 2 });
    expect(evidenceOf(mixed, undefined, 'not a number')).toMatchObject({ withOwn: 0, foreign: 0 });
  });

  it('calls a check sorted only from 50 numbers and 95 % ascending steps', () => {
    expect(evidenceOf(run(0, 49)).sorted).toBe(false);
    expect(evidenceOf(run(0, 50)).sorted).toBe(true);
    // 100 numbers with 5 steps down (95 of 99 up is under 95 %): not sorted.
    const shuffled = run(0, 100);
    for (const i of [10, 30, 50, 70, 90]) {
      [shuffled[i], shuffled[i + 1]] = [shuffled[i + 1] as string, shuffled[i] as string];
    }
    expect(evidenceOf(shuffled).sorted).toBe(false);
  });
});

describe('judging an account', () => {
  const account = (reported: number, registered: number) => ({ reported, registered });

  it('says nothing of a plain account', () => {
    expect(
      judge(settings, account(300, 240), { ...none, asked: 300, dense: 1, withOwn: 300, foreign: 20 }, false),
    ).toEqual({
      score: 0,
      reasons: [],
      verdict: 'allow',
    });
  });

  it('adds the points of each signal and escalates: shadow at 10, throttle at 20, block at 30', () => {
    const sweep = { ...none, asked: 150, dense: 150 };
    // A sweep alone: 12 points.
    expect(judge(settings, account(0, 0), sweep, false)).toMatchObject({ score: 12, verdict: 'shadow' });
    // With its numbers in order: 16. With a low hit rate (30 of 200 = 15 % < 25 %): 26.
    expect(judge(settings, account(0, 0), sweep, true)).toMatchObject({ score: 16, verdict: 'shadow' });
    const low = judge(settings, account(200, 30), sweep, true);
    expect(low).toMatchObject({ score: 26, verdict: 'throttle' });
    expect(low.reasons.map((r) => r.code)).toEqual([
      'enumeration.hit_rate_low',
      'enumeration.sweep',
      'enumeration.sorted',
    ]);
    // All of it in a foreign country (95 of 100 > 90 %): 32, blocked.
    const foreign = { ...sweep, withOwn: 100, foreign: 95 };
    expect(judge(settings, account(200, 30), foreign, true)).toMatchObject({ score: 32, verdict: 'block' });
  });

  it('judges the hit rate only from 200 reported numbers, low under 25 %, high over 98 %', () => {
    expect(judge(settings, account(199, 0), none, false).reasons).toEqual([]);
    expect(judge(settings, account(200, 49), none, false).reasons.map((r) => r.code)).toEqual([
      'enumeration.hit_rate_low',
    ]);
    expect(judge(settings, account(200, 50), none, false).reasons).toEqual([]);
    expect(judge(settings, account(200, 196), none, false).reasons).toEqual([]);
    expect(judge(settings, account(200, 197), none, false)).toMatchObject({
      score: 10,
      verdict: 'shadow',
      reasons: [{ code: 'enumeration.hit_rate_high', contribution: 10 }],
    });
  });

  it('judges the sweep share only from 100 new numbers, over 30 %', () => {
    expect(judge(settings, account(0, 0), { ...none, asked: 99, dense: 99 }, false).reasons).toEqual([]);
    expect(judge(settings, account(0, 0), { ...none, asked: 100, dense: 30 }, false).reasons).toEqual([]);
    expect(judge(settings, account(0, 0), { ...none, asked: 100, dense: 31 }, false).score).toBe(12);
  });
});
