import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import type { AddressesOf } from '../sim/ato/addresses.js';
import { runAtoSimulation } from '../sim/ato/run.js';
import { type OpenAssessor, parsePositive } from './ato.js';
import { printSimReport } from './ato.report.js';
import type { GlobalOptions, Io } from './context.js';
import { registerDiscoverySim } from './discovery.sim.js';
import { progressReporter } from './progress.js';

/** What the simulation may borrow from enrichment: real address ranges and a country lookup. */
export interface SimLookups {
  addressesOf?: AddressesOf;
  locate?: (ip: string) => string | undefined;
}

/** Adds `custos sim ato` and `custos sim discovery`; returns the `sim` command so other simulations can join it. */
export function registerSim(
  program: Command,
  io: Io,
  openAssessor: OpenAssessor,
  lookups: SimLookups = {},
): Command {
  const sim = program
    .command('sim')
    .description('synthetic platform traffic, scored against its ground truth');

  sim
    .command('ato')
    .description(
      'simulate a seeded population logging in and registering, with SIM swaps, code phishing, code guessing, credential replay and SMS pumping among them, and score the assessor on event time',
    )
    .option('--accounts <n>', 'accounts in the population', '5000')
    .option('--days <n>', 'days of event time (the first two are warm-up)', '14')
    .option('--seed <n>', 'random seed: the same seed gives the same population and attacks', '1')
    .option(
      '--url <url>',
      'drive a running Custos over HTTP through the SDK (API key with scope ato.assess in CUSTOS_API_KEY) instead of a fresh in-process one',
    )
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & { accounts: string; days: string; seed: string; url?: string }
      >();
      const accounts = parsePositive(options.accounts, '--accounts');
      const days = parsePositive(options.days, '--days');
      const seed = options.seed === '0' ? 0 : parsePositive(options.seed, '--seed');
      const assessor = await openAssessor(options.url ? { url: options.url } : {});
      const bar = progressReporter('simulating (event hours)', { minTotal: 0 });
      const hours = (ms: number) => Math.floor(ms / 3_600_000);
      try {
        const report = await runAtoSimulation(
          {
            assessor,
            stopwatch: systemClock,
            onProgress: (done, total) => bar.update(hours(done), hours(total)),
            ...(lookups.addressesOf ? { addressesOf: lookups.addressesOf } : {}),
            ...(lookups.locate ? { locate: lookups.locate } : {}),
          },
          // Events within five minutes of each other are assessed together, sharing durable commits.
          { accounts, days, seed, concurrencyWindowMs: 300_000 },
        );
        bar.done();
        if (options.json) io.out(JSON.stringify(report));
        else printSimReport(io, report);
      } finally {
        await assessor.close();
      }
    });

  registerDiscoverySim(sim, io);
  return sim;
}
