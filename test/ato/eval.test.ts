import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { majorVersion, parseRbaTimestamp } from '../../src/ato/eval.csv.js';
import { evaluateLog } from '../../src/ato/eval.js';
import { createScoreTally } from '../../src/ato/eval.metrics.js';
import { createReorderBuffer } from '../../src/ato/eval.order.js';
import type { Assessment, Assessor, AuthEvent, KnownFacts } from '../../src/ato/types.js';
import { createManualClock } from '../../src/core/clock.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'ato', 'rba-sample.csv');
const scratch = mkdtempSync(join(tmpdir(), 'custos-ato-eval-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A test double for the harness, not a takeover defence: it scores an event by the last octet of
 * its IP address (192.0.2.4 scores 0.4) and challenges from 0.4 up, and remembers what it got.
 */
function scriptedAssessor(): Assessor & { received: Array<{ event: AuthEvent; facts?: KnownFacts }> } {
  const received: Array<{ event: AuthEvent; facts?: KnownFacts }> = [];
  return {
    received,
    async assess(event, facts) {
      received.push(facts === undefined ? { event } : { event, facts });
      const score = Number(event.ip?.split('.').at(-1) ?? 0) / 10;
      const answer: Assessment = {
        decision: score >= 0.4 ? 'challenge' : 'allow',
        score,
        reasons: [],
        actions: [],
      };
      return answer;
    },
  };
}

function copyFixture(name: string, edit: (text: string) => string): string {
  const file = join(scratch, name);
  writeFileSync(file, edit(readFileSync(fixture, 'utf8')));
  return file;
}

describe('the RBA log replay', () => {
  it('scores the fixture as worked out by hand', async () => {
    const assessor = scriptedAssessor();
    const report = await evaluateLog({ assessor, stopwatch: createManualClock() }, { file: fixture });
    expect(report.rows).toBe(12);
    expect(report.assessed).toBe(8);
    expect(report.badRows).toEqual({ total: 4, csv: 0, columns: 1, time: 1, user: 1, outcome: 0, label: 1 });
    expect(report.classes).toEqual({ takeover: 3, legitimate: 4, attack_ip: 1 });
    // Takeovers score 0.3, 0.4, 0.8; legitimate logins 0.1, 0.2, 0.4, 0.4. Ranks over all seven:
    // 0.1→1, 0.2→2, 0.3→3, the three 0.4s→5 each, 0.8→7. Takeover rank sum 3+5+7 = 15,
    // U = 15 − 3·4/2 = 9, AUC = 9 / (3·4) = 0.75.
    expect(report.auc).toEqual({ value: 0.75, errorBound: 0 });
    // The double challenges from 0.4: takeovers 0.4 and 0.8, legitimate 0.4 and 0.4.
    expect(report.takeoversChallengedOrDenied).toEqual({ count: 2, share: 2 / 3 });
    expect(report.legitimateChallengedOrDenied).toEqual({ count: 2, share: 0.5 });
    // With four legitimate logins, 1 %, 2 % and 5 % all allow none to be challenged: the
    // threshold sits above the top legitimate score (0.4), at 0.8, which catches one takeover.
    expect(report.atLegitimateShares).toEqual([
      { target: 0.01, threshold: 0.8, legitimateShare: 0, takeoverShare: 1 / 3 },
      { target: 0.02, threshold: 0.8, legitimateShare: 0, takeoverShare: 1 / 3 },
      { target: 0.05, threshold: 0.8, legitimateShare: 0, takeoverShare: 1 / 3 },
    ]);
    expect(report.order).toEqual({ reordered: 1, late: 0 });
  });

  it('hands the assessor events and facts from the feature columns, never a label', async () => {
    const assessor = scriptedAssessor();
    await evaluateLog({ assessor, stopwatch: createManualClock() }, { file: fixture });
    const times = assessor.received.map(({ event }) => event.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const { event, facts } of assessor.received) {
      expect(
        Object.keys(event).every((k) =>
          ['type', 'time', 'account', 'ip', 'userAgent', 'outcome'].includes(k),
        ),
      ).toBe(true);
      expect(Object.keys(facts ?? {}).sort()).toEqual(['agent', 'ip']);
      expect(JSON.stringify({ event, facts })).not.toMatch(/attack|takeover/i);
    }
    const takeover = assessor.received.find(({ event }) => event.ip === '198.51.100.8');
    expect(takeover).toEqual({
      event: {
        type: 'login',
        time: Date.UTC(2021, 2, 1, 8, 20),
        account: '1003',
        outcome: 'success',
        ip: '198.51.100.8',
        userAgent:
          'Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/80.0.3987.99 Mobile Safari/537.36',
      },
      facts: {
        ip: { country: 'NG', region: 'Lagos', city: 'Lagos', asn: 29465 },
        agent: { browser: 'Chrome Mobile 80', os: 'Android 10', deviceType: 'mobile' },
      },
    });
    // `-` means unknown in the data set, and an `unknown` device type says nothing.
    const unknownPlace = assessor.received.find(({ event }) => event.ip === '192.0.2.2');
    expect(unknownPlace?.facts?.ip).toEqual({ country: 'NO', asn: 29695 });
    const failed = assessor.received.find(({ event }) => event.ip === '192.0.2.4');
    expect(failed?.event.outcome).toBe('failure');
  });

  it('reads the index column named, unnamed or left out', async () => {
    const unnamed = copyFixture('unnamed.csv', (text) => text.replace(/^index,/, ','));
    const without = copyFixture('without.csv', (text) =>
      text
        .split('\n')
        .map((line) => line.replace(/^[^,]*,/, ''))
        .join('\n'),
    );
    for (const file of [unnamed, without]) {
      const report = await evaluateLog(
        { assessor: scriptedAssessor(), stopwatch: createManualClock() },
        { file },
      );
      expect(report.assessed).toBe(8);
      expect(report.auc.value).toBe(0.75);
    }
  });

  it('stops after --limit rows and reports throughput from the stopwatch', async () => {
    const stopwatch = createManualClock(0);
    const assessor: Assessor = {
      async assess(event) {
        stopwatch.advance(250);
        return { decision: 'allow', score: event.time % 7, reasons: [], actions: [] };
      },
    };
    const report = await evaluateLog({ assessor, stopwatch }, { file: fixture, limit: 4 });
    expect(report.rows).toBe(4);
    expect(report.assessed).toBe(4);
    expect(report.elapsedMs).toBe(1000);
    expect(report.rowsPerSecond).toBe(4);
  });

  it('drops a line with an unclosed quote alone, and keeps stray quotes inside a field', async () => {
    const file = copyFixture('quote.csv', (text) =>
      text
        .replace('1,2021-03-01 08:02:00.000,1002,412', '1,2021-03-01 08:02:00.000,1002,"412')
        .replace('3,2021-03-01 08:09:00.000,1003,', '3,2021-03-01 08:09:00.000,10"0"3,'),
    );
    const assessor = scriptedAssessor();
    const report = await evaluateLog({ assessor, stopwatch: createManualClock() }, { file });
    expect(report.rows).toBe(12);
    expect(report.badRows).toEqual({ total: 5, csv: 1, columns: 1, time: 1, user: 1, outcome: 0, label: 1 });
    expect(report.assessed).toBe(7);
    expect(assessor.received.map(({ event }) => event.account)).toContain('10"0"3');
  });

  it('refuses a file without the label columns, and a missing file', async () => {
    const file = copyFixture('nolabels.csv', (text) => text.replace('Is Account Takeover', 'Something Else'));
    await expect(
      evaluateLog({ assessor: scriptedAssessor(), stopwatch: createManualClock() }, { file }),
    ).rejects.toThrow(/lacks Is Account Takeover/);
    await expect(
      evaluateLog(
        { assessor: scriptedAssessor(), stopwatch: createManualClock() },
        { file: join(scratch, 'absent.csv') },
      ),
    ).rejects.toThrow(/no file/);
  });
});

describe('score tally', () => {
  it('computes AUC and thresholds for 5 takeovers against 100 legitimate scores', () => {
    const tally = createScoreTally();
    for (let i = 1; i <= 100; i += 1) tally.add(i, false);
    for (const score of [100.5, 99.5, 98.5, 96.5, 50]) tally.add(score, true);
    // Wins: 100 + 99 + 98 + 96, and 50 beats 1..49 and ties 50: 49.5. U = 442.5 of 500 pairs.
    expect(tally.auc()).toEqual({ value: 0.885, errorBound: 0 });
    expect(tally.atLegitimateShares([0.01, 0.02, 0.05])).toEqual([
      // 1 legitimate allowed: 100.5, 100, 99.5 in; 99 would make 2.
      { target: 0.01, threshold: 99.5, legitimateShare: 0.01, takeoverShare: 0.4 },
      { target: 0.02, threshold: 98.5, legitimateShare: 0.02, takeoverShare: 0.6 },
      // 5 allowed: 100, 99, 98, 97, 96 (with 96.5 between); 95 would make 6.
      { target: 0.05, threshold: 96, legitimateShare: 0.05, takeoverShare: 0.8 },
    ]);
  });

  it('bounds the error when two different scores share a bin', () => {
    const tally = createScoreTally();
    tally.add(1, true);
    tally.add(1.00000001, false);
    tally.add(0, false);
    // Truth: the positive beats 0 and loses to 1.00000001, AUC 0.5; the bin counts ½ + 1 → 0.75.
    expect(tally.auc()).toEqual({ value: 0.75, errorBound: 0.25 });
    tally.add(Number.NaN, true);
    expect(tally.invalid).toBe(1);
  });

  it('has no AUC without both classes', () => {
    const tally = createScoreTally();
    tally.add(3, false);
    expect(tally.auc().value).toBeNull();
  });
});

describe('RBA cells', () => {
  it('reads the published timestamp as UTC, ISO with a zone, and epoch integers', () => {
    expect(parseRbaTimestamp('2020-02-03 12:43:30.772')).toBe(Date.UTC(2020, 1, 3, 12, 43, 30, 772));
    expect(parseRbaTimestamp('2020-02-03T12:43:30+01:00')).toBe(Date.UTC(2020, 1, 3, 11, 43, 30));
    expect(parseRbaTimestamp('1580733810772')).toBe(1580733810772);
    expect(parseRbaTimestamp('1580733810')).toBe(1580733810000);
    expect(parseRbaTimestamp('2020-02-30 12:00:00')).toBeNull();
    expect(parseRbaTimestamp('2020-02-03 25:00:00')).toBeNull();
    expect(parseRbaTimestamp('')).toBeNull();
  });

  it('keeps the major version of browsers and systems', () => {
    expect(majorVersion('Chrome Mobile 46.0.2490')).toBe('Chrome Mobile 46');
    expect(majorVersion('Windows 10')).toBe('Windows 10');
    expect(majorVersion('Linux')).toBe('Linux');
    expect(majorVersion('-')).toBeUndefined();
  });
});

describe('reorder buffer', () => {
  it('puts items back in order within the window and passes late ones on', () => {
    const buffer = createReorderBuffer<number>({ timeOf: (t) => t, windowMs: 10, capacity: 100 });
    const out = [
      ...buffer.push(5),
      ...buffer.push(3),
      ...buffer.push(20),
      ...buffer.push(1),
      ...buffer.push(30),
    ];
    expect(out).toEqual([3, 5, 1, 20]);
    expect([...buffer.drain()]).toEqual([30]);
    expect(buffer.reordered).toBe(1);
    expect(buffer.late).toBe(1);
  });

  it('releases the oldest once full', () => {
    const buffer = createReorderBuffer<number>({ timeOf: (t) => t, windowMs: 1e9, capacity: 2 });
    expect(buffer.push(2)).toEqual([]);
    expect(buffer.push(1)).toEqual([]);
    expect(buffer.push(3)).toEqual([1]);
  });
});
