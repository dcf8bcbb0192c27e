import type { Command } from 'commander';
import { evaluateLog } from '../ato/eval.js';
import type { Assessor } from '../ato/types.js';
import { systemClock } from '../core/clock.js';
import { printEvalReport } from './ato.report.js';
import { type GlobalOptions, type Io, usageError } from './context.js';
import { progressReporter } from './progress.js';

/** Opens the assessor a command runs against, and closes it when the command is done. */
export type OpenAssessor = (target?: { url?: string }) => Promise<Assessor & { close(): Promise<void> }>;

// Files under a megabyte replay in moments: no bar.
const progressThreshold = 1 << 20;

/** A positive whole number from a flag. */
export function parsePositive(value: string, flag: string): number {
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw usageError(`${flag} ${JSON.stringify(value)} is not a positive whole number`);
  }
  return Number(value);
}

/** Adds `custos ato eval`; returns the `ato` command so other takeover commands can join it. */
export function registerAto(program: Command, io: Io, openAssessor: OpenAssessor): Command {
  const ato = program.command('ato').description('account-takeover defence');

  ato
    .command('eval')
    .description(
      "replay a login log in the RBA data set's format (Wiefling et al., 2022) through the assessor, in time order, and score its answers against the log's labels",
    )
    .requiredOption(
      '--csv <file>',
      'the log: the RBA columns, sorted by time (the full data set is about 9 GB)',
    )
    .option('--limit <n>', 'stop after this many rows')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { csv: string; limit?: string }>();
      const limit = options.limit === undefined ? undefined : parsePositive(options.limit, '--limit');
      const assessor = await openAssessor();
      const bar = progressReporter('replaying (bytes)', { minTotal: progressThreshold });
      try {
        const report = await evaluateLog(
          { assessor, stopwatch: systemClock, onProgress: bar.update },
          { file: options.csv, ...(limit === undefined ? {} : { limit }) },
        );
        bar.done();
        if (options.json) io.out(JSON.stringify(report));
        else printEvalReport(io, report);
      } finally {
        await assessor.close();
      }
    });

  return ato;
}
