import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import type { DiscoverySimReport } from '../sim/discovery/run.js';
import { runDiscoverySimulation } from '../sim/discovery/run.js';
import { parsePositive } from './ato.js';
import { configFrom, type GlobalOptions, type Io, printTable } from './context.js';
import { progressReporter } from './progress.js';

/**
 * `custos sim discovery`: the contact-discovery guard against a seeded world of people and
 * scrapers, each figure beside its target: no person blocked, at most 0.1 % of people's checks
 * throttled, one account held to the quota's ceiling, the fleet seen within 24 hours and learning
 * less than one account could, and every dump with canaries naming its scraper.
 */

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const percent = (share: number) => `${(share * 100).toFixed(3)} %`;
const hours = (ms: number | null) => (ms === null ? 'never' : `${(ms / 3_600_000).toFixed(1)} h`);
const met = (ok: boolean) => (ok ? 'yes' : 'NO');

/** Prints the report as tables. */
export function printDiscoverySimReport(io: Io, report: DiscoverySimReport): void {
  const legit = report.legitimate;
  const fleet = report.fleet;
  io.out(
    `${count(report.users)} people, ${report.days} days, seed ${report.seed}: ${count(report.requests)} checks in ${(report.wallMs / 1000).toFixed(1)} s (${count(report.requestsPerSecond)}/s); ${count(report.canaryRanges)} canary ranges, cohort ${report.cohort}`,
  );
  io.out('');
  printTable(io, [
    {
      metric: 'people ever blocked',
      value: count(legit.usersBlocked),
      target: '0',
      met: met(legit.usersBlocked === 0),
    },
    {
      metric: 'people’s checks throttled',
      value: `${percent(legit.throttledShare)} (${count(legit.decisions.throttle)} of ${count(legit.requests)})`,
      target: '<= 0.1 %',
      met: met(legit.throttledShare <= 0.001),
    },
    { metric: 'people’s checks shadowed', value: percent(legit.shadowedShare), target: '', met: '' },
    { metric: 'people’s checks partial', value: percent(legit.partialShare), target: '', met: '' },
    {
      metric: 'fast account learnt',
      value: count(report.fast.learned),
      target: `<= ${count(report.fast.ceiling)}`,
      met: met(report.fast.learned <= report.fast.ceiling),
    },
    {
      metric: 'fleet first held on a signal',
      value: `${hours(fleet.detectedAfterMs)} (fleet.member ${hours(fleet.fleetMemberAfterMs)}; ${count(fleet.membersDetected)} of ${count(fleet.members)} members held)`,
      target: '<= 24 h',
      met: met(fleet.detectedAfterMs !== null && fleet.detectedAfterMs <= 86_400_000),
    },
    {
      metric: 'fleet learnt',
      value: `${count(fleet.learned)} (the fast account ${count(fleet.fastLearned)})`,
      target: `< ${count(fleet.oneAccountCeiling)}`,
      met: met(fleet.learned < fleet.oneAccountCeiling),
    },
    {
      metric: 'dumps attributed to their scraper',
      value: `${report.attribution.filter((a) => a.matches === true).length} of ${report.attribution.filter((a) => a.matches !== null).length} with canaries`,
      target: 'all',
      met: met(report.attribution.every((a) => a.matches !== false)),
    },
  ]);
  io.out('');
  printTable(
    io,
    report.scrapers.map((s) => ({
      scraper: s.id,
      accounts: count(s.accounts),
      checks: count(s.requests),
      asked: count(s.asked),
      learnt: count(s.learned),
      'per account/day': s.learnedPerAccountPerDay.toFixed(1),
      'per day': count(s.learnedPerDay),
      canaries: count(s.canaries),
      'held after': hours(s.detectedAfterMs),
      decisions: Object.entries(s.decisions)
        .filter(([, n]) => n > 0)
        .map(([d, n]) => `${d} ${count(n)}`)
        .join(', '),
    })),
  );
  io.out('');
  printTable(
    io,
    report.attribution.map((a) => ({
      dump: a.scraper,
      canaries: count(a.canaries),
      'top suspect': a.topSuspect ?? '-',
      'its canaries': count(a.topCanaries),
      'top cohort': a.topCohort ?? '-',
      'innocent suspects': count(a.innocentSuspects),
      matches: a.matches === null ? '- (no canary)' : met(a.matches),
    })),
  );
}

/** Adds `custos sim discovery` to the `sim` command. */
export function registerDiscoverySim(sim: Command, io: Io): void {
  sim
    .command('discovery')
    .description(
      'simulate a seeded world of people syncing address books and scrapers enumerating numbers (one fast account, a fleet of 1,000, prefix sweeps, list replays) through the contact-discovery guard on event time, and score friction, yield, fleet detection and leak attribution',
    )
    .option('--users <n>', 'people on the platform', '5000')
    .option('--days <n>', 'days of event time (the scrapers start on the second)', '7')
    .option('--seed <n>', 'random seed: the same seed gives the same world, people and scrapers', '1')
    .option('--fleet <n>', 'accounts in the fleet', '1000')
    .option('--out <file>', 'write every check as a log `custos discovery replay` reads')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & { users: string; days: string; seed: string; fleet: string; out?: string }
      >();
      const users = parsePositive(options.users, '--users');
      const days = parsePositive(options.days, '--days');
      const seed = options.seed === '0' ? 0 : parsePositive(options.seed, '--seed');
      const fleetMembers = parsePositive(options.fleet, '--fleet');
      // The discovery settings of the config (defaults without one); the world's canaries are added.
      const config = configFrom(options, io).discovery;
      const bar = progressReporter('simulating (event hours)', { minTotal: 0 });
      const inHours = (ms: number) => Math.floor(ms / 3_600_000);
      const report = await runDiscoverySimulation(
        { stopwatch: systemClock, onProgress: (done, total) => bar.update(inHours(done), inHours(total)) },
        { users, days, seed, fleetMembers, config, ...(options.out ? { out: options.out } : {}) },
      );
      bar.done();
      if (options.json) io.out(JSON.stringify(report));
      else printDiscoverySimReport(io, report);
    });
}
