import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import type { Attribution } from '../discovery/attribute.js';
import { type DumpScan, scanDump } from '../discovery/attribute.js';
import { replayLog } from '../discovery/replay.js';
import { configFrom, formatTime, type GlobalOptions, type Io, usageError, withCustos } from './context.js';
import { progressReporter } from './progress.js';

// Dumps under 16 MiB read in a moment: no bar.
const progressThreshold = 1 << 24;

const count = (n: number) => n.toLocaleString('en-US');
const share = (part: number, whole: number) =>
  whole === 0 ? '0 %' : `${((100 * part) / whole).toFixed(1)} %`;

/** The attribution report as Markdown: coverage first, then who the canaries point to. */
export function attributionMarkdown(
  file: string,
  scan: Omit<DumpScan, 'canaries'>,
  found: Attribution,
): string {
  const lines: string[] = [`# Leak attribution: ${file}`, ''];
  lines.push(
    `${count(scan.lines)} lines: ${count(scan.parsed)} numbers read, ${count(scan.rejected)} lines rejected (no international number in them).`,
    '',
    '## Coverage by calling code',
    '',
    '| calling code | numbers | share |',
    '| --- | ---: | ---: |',
  );
  for (const [code, n] of Object.entries(scan.byCallingCode).slice(0, 30)) {
    lines.push(`| +${code} | ${count(n)} | ${share(n, scan.parsed)} |`);
  }
  lines.push(
    '',
    `## Countries and number types (libphonenumber, a uniform sample of ${count(scan.sample.size)})`,
    '',
  );
  const top = (record: Record<string, number>) =>
    Object.entries(record)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, n]) => `${name} ${share(n, scan.sample.size)}`)
      .join(', ');
  lines.push(
    `- countries: ${top(scan.sample.byCountry) || '(none)'}`,
    `- types: ${top(scan.sample.byType) || '(none)'}`,
  );
  lines.push('', '## Canaries', '');
  lines.push(
    `${count(found.canaries)} canary numbers in the dump, ${count(found.explained)} of them answered “registered” by Custos to an account; ${count(scan.honey)} numbers in honey ranges.`,
  );
  if (found.unexplained.length > 0) {
    lines.push(
      '',
      `Never answered “registered” to anyone (guessed, or from elsewhere): ${found.unexplained.join(', ')}`,
    );
  }
  lines.push('', '## Suspects', '');
  if (found.suspects.length === 0) lines.push('No account was answered any of the dump’s canaries.');
  else {
    lines.push(
      '| account | canaries | coverage | answered between | cohorts | chance if unrelated |',
      '| --- | ---: | ---: | --- | --- | ---: |',
    );
    for (const s of found.suspects.slice(0, 50)) {
      lines.push(
        `| ${s.account} | ${s.canaries} | ${share(s.canaries, found.canaries)} | ${formatTime(s.from)} – ${formatTime(s.to)} | ${s.cohorts.join(' ')} | ${s.chance.toExponential(1)} |`,
      );
    }
    lines.push(
      '',
      'Chance if unrelated: the probability that a cohort with no part in the dump would have been shown as many of its canaries (density^k). Coverage under 100 % with several suspects means results were pooled.',
    );
  }
  lines.push('', '## Cohorts', '');
  for (const c of found.cohorts.slice(0, 20)) {
    lines.push(`- ${c.cohort}, ${formatTime(c.from)} – ${formatTime(c.to)}: ${c.canaries} canaries`);
  }
  return lines.join('\n');
}

/** Adds `custos discovery …`. */
export function registerDiscovery(program: Command, io: Io): Command {
  const discovery = program.command('discovery').description('contact-discovery guard');

  discovery
    .command('attribute')
    .description(
      'read a leaked list of numbers (text or CSV, one per line) and trace the canary numbers in it to the accounts they were answered to',
    )
    .requiredOption('--dump <file>', 'the leaked list')
    .option(
      '--save',
      'record the report on the ledger (discovery.attribution), where the console lists it; it is then run as `cli`',
    )
    .option('--name <name>', 'what the dump is called in the saved report (the file name by default)')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & { dump: string; save?: boolean; name?: string }
      >();
      if (!existsSync(options.dump)) throw usageError(`--dump ${JSON.stringify(options.dump)}: no such file`);
      if (options.name !== undefined && !options.save) throw usageError('--name is for --save');
      await withCustos(command, io, async (custos) => {
        const bar = progressReporter('reading (bytes)', { minTotal: progressThreshold });
        const attribution = custos.discoveryAttribution;
        if (options.save) {
          const report = await attribution.run({
            file: options.dump,
            name: options.name ?? basename(options.dump),
            by: 'cli',
            onProgress: bar.update,
          });
          bar.done();
          if (options.json) io.out(JSON.stringify({ file: options.dump, ...report }));
          else {
            io.out(attributionMarkdown(options.dump, report.scan, report.attribution));
            io.out(`\nRecorded on the ledger as ${report.id}.`);
          }
          return;
        }
        const scan = await scanDump(options.dump, attribution.canaries, { onProgress: bar.update });
        bar.done();
        const found = await attribution.attribute(scan.canaries);
        if (options.json)
          io.out(
            JSON.stringify({
              file: options.dump,
              scan: { ...scan, canaries: scan.canaries.length },
              attribution: found,
            }),
          );
        else io.out(attributionMarkdown(options.dump, scan, found));
      });
    });

  discovery
    .command('replay')
    .description(
      'replay a log of checks (JSON lines: t in unix seconds, account, device, ip, asn?, numbers, registered?, mode) through the guard on event time, and summarise the decisions',
    )
    .argument('<file>', 'the log, in time order')
    .option('--out <file>', 'write one decision line per request ({"decision", "allowed", "reasons"})')
    .action(async (file: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { out?: string }>();
      if (!existsSync(file)) throw usageError(`${JSON.stringify(file)}: no such file`);
      const config = configFrom(options, io);
      const bar = progressReporter('replaying (bytes)', { minTotal: progressThreshold });
      const summary = await replayLog(
        { file, config: config.discovery, ...(options.out ? { out: options.out } : {}) },
        { stopwatch: systemClock, onProgress: bar.update },
      );
      bar.done();
      if (options.json) {
        io.out(JSON.stringify(summary));
        return;
      }
      io.out(
        `${count(summary.requests)} requests replayed from ${count(summary.lines)} lines in ${summary.seconds.toFixed(1)} s (${count(Math.round(summary.requestsPerSecond))}/s), ${count(summary.accounts)} accounts`,
      );
      if (summary.from !== null && summary.to !== null)
        io.out(`event time ${formatTime(summary.from)} – ${formatTime(summary.to)}`);
      io.out(
        `decisions: ${Object.entries(summary.decisions)
          .map(([decision, n]) => `${decision} ${count(n)}`)
          .join(', ')}`,
      );
      io.out(
        `numbers: ${count(summary.numbers.asked)} asked, ${count(summary.numbers.answered)} answered (${share(summary.numbers.answered, summary.numbers.asked)}), ${count(summary.numbers.registeredAnswered)} of those registered`,
      );
      if (summary.outOfOrder > 0)
        io.out(
          `${count(summary.outOfOrder)} requests came earlier than the one before: decided at their own time`,
        );
      if (summary.bad > 0) {
        io.out(`${count(summary.bad)} lines skipped:`);
        for (const { line, why } of summary.badLines) io.out(`  line ${line}: ${why}`);
      }
    });

  return discovery;
}
