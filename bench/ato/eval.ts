// `custos ato eval` throughput: a login log in the RBA data set's format (ROWS rows, written to a
// temp file from the benchmark population: mostly known devices and places, a share of attack
// IPs, a few labelled takeovers) replayed through evaluateLog with the replay assessor. Beside
// it, on the same file in the same run: csv-parse alone reading it with the options eval uses
// (the peer the replay is built on), and evaluateLog with an assessor that answers at once (the
// streaming, reordering and scoring around the assessments).

import { once } from 'node:events';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { createEnricher } from '../../src/ato/enrich.js';
import { evaluateLog } from '../../src/ato/eval.js';
import { createReplayAssessor } from '../../src/ato/replay.js';
import type { Assessor, AuthEvent } from '../../src/ato/types.js';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { createRandom } from '../../src/sim/ato/random.js';
import { fmt, tempDir } from '../support.js';
import { createPopulation, loginStream } from './traffic.js';

const rowsTotal = Number(process.env.ROWS ?? 200_000);
const accountsTotal = Number(process.env.EVAL_ACCOUNTS ?? Math.max(100, Math.round(rowsTotal / 10)));

const dir = tempDir('custos-bench-ato-eval-');
const file = join(dir, 'rba.csv');
const random = createRandom('bench-ato-eval');
const enricher = createEnricher();
const accounts = createPopulation(accountsTotal, 'bench-ato-eval');
// Ten days of logins from 2021 on, as in the published data set.
const first = Date.UTC(2021, 1, 3, 12);
const { events } = loginStream(random, accounts, rowsTotal, first, Math.floor((10 * 86_400_000) / rowsTotal));

/** What the data set's authors read from a user agent: browser and OS with versions, device type. */
function agentColumns(agent: string): [browser: string, os: string, device: string] {
  const android = /Android (\d+)/.exec(agent);
  const chrome = /Chrome\/(\d+)/.exec(agent);
  const ios = /iPhone OS (\d+)_(\d+)/.exec(agent);
  if (android) return [`Chrome Mobile ${chrome?.[1] ?? '0'}.0.0`, `Android ${android[1]}`, 'mobile'];
  if (ios) return [`Mobile Safari ${ios[1]}.${ios[2]}`, `iOS ${ios[1]}.${ios[2]}`, 'mobile'];
  if (agent.includes('Windows')) return [`Chrome ${chrome?.[1] ?? '0'}.0.0`, 'Windows 10', 'desktop'];
  if (agent.includes('Macintosh')) return ['Safari 17.4', 'Mac OS X 10.15.7', 'desktop'];
  if (agent.includes('python') || agent.includes('okhttp')) return ['Python Requests 2.31', '-', 'bot'];
  return ['Chrome Headless 124.0.0', 'Linux', 'unknown'];
}

const csvCell = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
const timestamp = (time: number) => new Date(time).toISOString().replace('T', ' ').replace('Z', '');

let start = performance.now();
const out = createWriteStream(file);
out.write(
  'index,Login Timestamp,User ID,Round-Trip Time [ms],IP Address,Country,Region,City,ASN,User Agent String,Browser Name and Version,OS Name and Version,Device Type,Login Successful,Is Attack IP,Is Account Takeover\n',
);
let takeovers = 0;
for (let i = 0; i < events.length; i++) {
  const event = events[i] as AuthEvent;
  const ip = enricher.ip(event.ip);
  const agent = event.userAgent as string;
  // Logins from rented servers with a tool's or a stranger's device are the attacks; one in
  // twenty of them got in (a takeover), as credential stuffing with a known password would.
  const attack = ip.hosting;
  const takeover = attack && event.outcome === 'success' && random.chance(0.05);
  if (takeover) takeovers++;
  const [browser, os, device] = agentColumns(agent);
  const row = [
    String(i),
    timestamp(event.time),
    (event.account as string).slice(5),
    random.chance(0.6) ? String(random.int(20, 900)) : '',
    event.ip as string,
    ip.country ?? '-',
    csvCell(ip.region ?? '-'),
    csvCell(ip.city ?? '-'),
    String(ip.asn ?? ''),
    csvCell(agent),
    browser,
    os,
    device,
    event.outcome === 'success' ? 'True' : 'False',
    attack ? 'True' : 'False',
    takeover ? 'True' : 'False',
  ];
  if (!out.write(`${row.join(',')}\n`)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
const writeSeconds = (performance.now() - start) / 1000;
const bytes = statSync(file).size;

// Peer: csv-parse reading the same file with the options evaluateLog uses, nothing else; the
// better of two passes, the first also warming the code and the page cache.
async function parseOnly(): Promise<number> {
  const begin = performance.now();
  let parsed = 0;
  const parser = createReadStream(file, { encoding: 'utf8' }).pipe(
    parse({
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
    }),
  );
  for await (const _cells of parser as AsyncIterable<string[]>) parsed++;
  return (parsed - 1) / ((performance.now() - begin) / 1000);
}
const parseRate = Math.max(await parseOnly(), await parseOnly());

// Bound: the replay's own work around the assessments (row checks, reordering, score bins).
const instant: Assessor = { assess: async () => ({ decision: 'allow', score: 0, reasons: [], actions: [] }) };
start = performance.now();
const bare = await evaluateLog({ assessor: instant, stopwatch: systemClock }, { file });
const bareRate = bare.rows / ((performance.now() - start) / 1000);

// The figure: `custos ato eval` with the default settings.
const { config } = loadConfig({ env: {}, overrides: {} });
const replay = createReplayAssessor({ config: config.ato, clock: systemClock });
start = performance.now();
const report = await evaluateLog({ assessor: replay, stopwatch: systemClock }, { file });
const evalRate = report.rows / ((performance.now() - start) / 1000);
const tracked = replay.accounts();
await replay.close();
rmSync(dir, { recursive: true, force: true });

const pct = (n: number | null) => (n === null ? '—' : `${fmt(100 * n, 1)}%`);
const line = (text: string) => console.log(text);
line(
  `ato eval: ${fmt(rowsTotal)} rows (${fmt(bytes / 1_048_576, 1)} MiB, ${fmt(accountsTotal)} users, ${fmt(takeovers)} takeovers, written in ${fmt(writeSeconds, 1)} s)`,
);
line(
  `  evaluateLog with the replay assessor: ${fmt(evalRate)} rows/s; ${fmt(report.assessed)} assessed, ${fmt(report.badRows.total)} bad rows, ${fmt(tracked)} accounts tracked (synthetic labels: the shares challenged say the replay ran, not how good the model is: takeovers ${pct(report.takeoversChallengedOrDenied.share)}, legitimate ${pct(report.legitimateChallengedOrDenied.share)})`,
);
line(
  `  bound: evaluateLog with an assessor that answers at once: ${fmt(bareRate)} rows/s (eval / bare: ${fmt((100 * evalRate) / bareRate, 1)}%)`,
);
line(
  `  peer: csv-parse alone on the same file: ${fmt(parseRate)} rows/s (eval / csv-parse: ${fmt((100 * evalRate) / parseRate, 1)}%)`,
);
