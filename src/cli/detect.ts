import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import { shippedRules } from '../detect/domain.js';
import { replayEvents } from '../detect/replay.js';
import { loadRules } from '../detect/sigma/index.js';
import { formatTime, type GlobalOptions, type Io, usageError } from './context.js';
import { progressReporter } from './progress.js';

export { shippedRules };

const count = (n: number) => n.toLocaleString('en-US');
// Logs under 16 MiB replay in a moment: no bar.
const progressThreshold = 1 << 24;

/** Adds `custos detect` and its subcommands. */
export function registerDetect(program: Command, io: Io): Command {
  const detect = program
    .command('detect')
    .description('detection: replay events through the rules and baselines');
  detect
    .command('replay')
    .description(
      'replay OCSF events (JSON lines, in time order) through the rule pack and the insider baselines on the events’ own time, and summarise the alerts they raise',
    )
    .argument('<file>', 'the events, one JSON object a line')
    .option('--rules <dir>', 'the rule folder (every *.yml under it)', shippedRules)
    .option('--out <file>', 'write every alert as a JSON line, oldest first')
    .option('--no-baselines', 'rules only: leave out the insider baselines')
    .action(async (file: string, _options, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & { rules: string; out?: string; baselines: boolean }
      >();
      if (!existsSync(file)) throw usageError(`${JSON.stringify(file)}: no such file`);
      if (!existsSync(options.rules))
        throw usageError(`${JSON.stringify(options.rules)}: no such rule folder`);
      const loaded = await loadRules(options.rules);
      const bar = progressReporter('replaying (bytes)', { minTotal: progressThreshold });
      const { summary } = await replayEvents(
        {
          file,
          rules: loaded.rules,
          ruleErrors: loaded.errors,
          ...(options.out ? { out: options.out } : {}),
          ...(options.baselines ? {} : { baselines: false as const }),
        },
        { stopwatch: systemClock, onProgress: bar.update },
      );
      bar.done();
      if (options.json) {
        io.out(JSON.stringify(summary));
        return;
      }
      io.out(
        `${count(summary.events)} events replayed from ${count(summary.lines)} lines in ${summary.seconds.toFixed(1)} s (${count(Math.round(summary.eventsPerSecond))}/s) through ${count(summary.rules)} rules`,
      );
      if (summary.from !== null && summary.to !== null)
        io.out(`event time ${formatTime(summary.from)} – ${formatTime(summary.to)}`);
      io.out(
        `${count(summary.alerts)} alerts (${count(summary.grouped)} more candidates grouped into them)${
          summary.alerts > 0
            ? `: ${Object.entries(summary.bySeverity)
                .map(([severity, n]) => `${severity} ${count(n)}`)
                .join(', ')}`
            : ''
        }`,
      );
      for (const rule of summary.byRule)
        io.out(`  ${count(rule.alerts).padStart(6)}  ${rule.title} (${rule.key})`);
      if (summary.late > 0)
        io.out(
          `${count(summary.late)} events could not be correlated (too late, no time, or no group-by field)`,
        );
      if (summary.ruleErrors.length > 0) {
        io.out(`${count(summary.ruleErrors.length)} rule problems (those rules were left out):`);
        for (const issue of summary.ruleErrors.slice(0, 20))
          io.out(`  ${issue.file}:${issue.line}: ${issue.message}`);
      }
      if (summary.bad > 0) {
        io.out(`${count(summary.bad)} lines skipped:`);
        for (const { line, why } of summary.badLines) io.out(`  line ${line}: ${why}`);
      }
    });
  return detect;
}
