import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/program.js';
import { createManualClock } from '../../src/core/clock.js';
import { discoveryConfig } from '../../src/core/config.discovery.js';
import { replayLog } from '../../src/discovery/replay.js';
import { book, run } from '../support/numbers.js';

const T0 = Date.UTC(2026, 5, 1) / 1000;

describe('replaying a log of checks on event time', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'custos-replay-'));
    for (const name of Object.keys(process.env)) if (name.startsWith('CUSTOS_')) delete process.env[name];
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  /** A day: a person syncs their book, then a scraper sweeps; junk lines between. */
  function writeLog(): string {
    const lines = [
      JSON.stringify({
        t: T0,
        account: 'person',
        device: 'p',
        ip: '198.51.100.1',
        numbers: book(0, 300),
        mode: 'full',
        registered: book(0, 300).map((_, i) => i % 5 !== 0),
      }),
      'not json',
      JSON.stringify({
        t: T0 + 60,
        account: 'person',
        device: 'p',
        ip: '198.51.100.1',
        numbers: book(0, 5),
        mode: 'incremental',
        extra: 'ignored',
      }),
      JSON.stringify({
        t: T0 + 120,
        account: 'scraper',
        device: 's',
        ip: '203.0.113.9',
        numbers: run(0, 200),
        mode: 'full',
      }),
      JSON.stringify({
        t: T0 + 30,
        account: 'late',
        device: 'l',
        ip: '192.0.2.1',
        numbers: book(400, 3),
        mode: 'full',
      }),
      JSON.stringify({ t: 'noon', account: 'x', device: 'y', ip: '1.2.3.4', numbers: ['+447700900123'] }),
      JSON.stringify({ t: T0 + 180, account: 'x', device: 'y', ip: '1.2.3.4', numbers: [] }),
      '',
    ];
    const file = join(dir, 'log.jsonl');
    writeFileSync(file, lines.join('\n'));
    return file;
  }

  it('decides each line at its own time, writes one decision per request and skips bad lines with the reason', async () => {
    const file = writeLog();
    const out = join(dir, 'decisions.jsonl');
    const summary = await replayLog(
      { file, out, config: discoveryConfig.parse({}) },
      { stopwatch: createManualClock(0) },
    );
    expect(summary).toMatchObject({
      lines: 7,
      requests: 4,
      bad: 3,
      outOfOrder: 1,
      decisions: { allow: 3, shadow: 1, partial: 0, throttle: 0, block: 0 },
      numbers: { asked: 508, answered: 308, registeredAnswered: 240 },
      accounts: 3,
      from: T0 * 1000,
      to: (T0 + 120) * 1000,
    });
    expect(summary.badLines).toEqual([
      { line: 2, why: 'not JSON' },
      { line: 6, why: '`t` must be unix seconds' },
      { line: 7, why: '`numbers` must be a non-empty list' },
    ]);
    const decisions = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(decisions.map((d) => d.decision)).toEqual(['allow', 'allow', 'shadow', 'allow']);
    expect(decisions[2].reasons.map((r: { code: string }) => r.code)).toEqual([
      'enumeration.sweep',
      'enumeration.sorted',
    ]);
    expect(decisions[1].allowed).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives the same decisions on a second run, and prints a summary from the command line', async () => {
    const file = writeLog();
    const first = join(dir, 'a.jsonl');
    const second = join(dir, 'b.jsonl');
    const outputs: string[] = [];
    for (const out of [first, second]) {
      const lines: string[] = [];
      const io: Io = { out: (text) => lines.push(text), err: () => undefined, readStdin: async () => '' };
      await buildProgram(io)
        .exitOverride()
        .parseAsync(['node', 'custos', 'discovery', 'replay', file, '--out', out]);
      outputs.push(lines.join('\n'));
    }
    expect(readFileSync(first, 'utf8')).toBe(readFileSync(second, 'utf8'));
    expect(outputs[0]).toMatch(/4 requests replayed from 7 lines/);
    expect(outputs[0]).toMatch(/decisions: allow 3, partial 0, throttle 0, block 0, shadow 1/);
    expect(outputs[0]).toMatch(/line 6: `t` must be unix seconds/);
  });
});
