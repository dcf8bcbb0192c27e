import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { Assessor } from '../../src/ato/types.js';
import { registerAto } from '../../src/cli/ato.js';
import type { Io } from '../../src/cli/context.js';
import { registerSim } from '../../src/cli/sim.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'ato', 'rba-sample.csv');

/** A test double: scores by the IP's last octet (192.0.2.4 → 0.4), challenges from 0.4, counts closes. */
function openDouble() {
  const state = { opened: 0, closed: 0 };
  const assessor: Assessor = {
    async assess(event) {
      const score = Number(event.ip?.split('.').at(-1) ?? 0) / 10;
      return { decision: score >= 0.4 ? 'challenge' : 'allow', score, reasons: [], actions: [] };
    },
  };
  return {
    state,
    open: async () => {
      state.opened += 1;
      return {
        assess: assessor.assess,
        close: async () => {
          state.closed += 1;
        },
      };
    },
  };
}

/** A program shaped like `custos` (a global --json), with only the takeover commands. */
async function run(args: string[], open: ReturnType<typeof openDouble>['open']) {
  const out: string[] = [];
  const io: Io = { out: (text) => out.push(text), err: () => undefined, readStdin: async () => '' };
  const program = new Command('custos').option('--json', 'print data as JSON').exitOverride();
  registerAto(program, io, open);
  registerSim(program, io, open);
  await program.parseAsync(['node', 'custos', ...args]);
  return out;
}

describe('custos ato eval', () => {
  it('prints the metrics beside their targets, and closes the assessor', async () => {
    const double = openDouble();
    const out = await run(['ato', 'eval', '--csv', fixture], double.open);
    const text = out.join('\n');
    expect(text).toMatch(/ROC AUC, takeovers vs legitimate\s+0\.750/);
    expect(text).toMatch(/takeovers challenged or denied\s+66\.7 %\s+>= 95 %\s+NO/);
    expect(text).toMatch(/legitimate logins challenged or denied\s+50\.0 %\s+<= 1 %\s+NO/);
    expect(text).toMatch(/bad rows\s+4 \(columns 1, time 1, user 1, label 1\)/);
    expect(double.state).toEqual({ opened: 1, closed: 1 });
  });

  it('prints JSON with --json and honours --limit', async () => {
    const out = await run(['ato', 'eval', '--csv', fixture, '--limit', '3', '--json'], openDouble().open);
    const report = JSON.parse(out.join(''));
    expect(report.rows).toBe(3);
    expect(report.assessed).toBe(3);
  });

  it('refuses a limit that is not a positive number, before opening anything', async () => {
    const double = openDouble();
    await expect(run(['ato', 'eval', '--csv', fixture, '--limit', '0'], double.open)).rejects.toThrow(
      /--limit "0" is not a positive whole number/,
    );
    expect(double.state.opened).toBe(0);
  });

  it('closes the assessor when the replay fails', async () => {
    const double = openDouble();
    await expect(run(['ato', 'eval', '--csv', '/nonexistent/file.csv'], double.open)).rejects.toThrow(
      /no file/,
    );
    expect(double.state).toEqual({ opened: 1, closed: 1 });
  });
});

describe('custos sim ato', () => {
  it('runs a small population and reports the targets as JSON', async () => {
    const double = openDouble();
    const out = await run(
      ['sim', 'ato', '--accounts', '60', '--days', '4', '--seed', '3', '--json'],
      double.open,
    );
    const report = JSON.parse(out.join(''));
    expect(report).toMatchObject({ accounts: 60, days: 4, seed: 3, addresses: 'listed' });
    expect(report.events).toBeGreaterThan(100);
    expect(double.state).toEqual({ opened: 1, closed: 1 });
  });

  it('prints tables', async () => {
    const out = await run(['sim', 'ato', '--accounts', '60', '--days', '4'], openDouble().open);
    const text = out.join('\n');
    expect(text).toMatch(/takeovers challenged or denied .*>= 95 %/);
    expect(text).toMatch(/brute force success per number per day .*< 1e-4/);
    expect(text).toMatch(/owners locked out by an attack/);
    expect(text).toMatch(/ATTACK\s+LAUNCHED\s+STOPPED\s+COMPLETED\s+AUC/);
    expect(text).toMatch(/LEGITIMATE\s+EVENTS\s+CHALLENGED/);
  });
});
