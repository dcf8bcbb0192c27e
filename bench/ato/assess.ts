// Takeover assessments per second: a whole Custos (SQLite in a temp folder, or PostgreSQL when
// DATABASE_URL is set), ACCOUNTS accounts with warm histories, then login traffic from CALLERS
// concurrent callers with every decision recorded (allows share batch entries on the ledger,
// challenges and denials get entries of their own). Beside it, in the same run and on the same
// events: the enrichment lookups alone, the replay assessor (the same engine with histories and
// counters in memory, nothing recorded) and the ledger appending the same decision records, all
// batchable, as bounds. Then over HTTP on loopback at a fixed rate and flat out, beside the
// catalog route under the same load (the floor the HTTP stack sets on this machine).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import pg from 'pg';
import { createCustos } from '../../src/app.js';
import { decisionBody, decisionIndexColumns, decisionIndexValues } from '../../src/ato/decisions.js';
import { createReplayAssessor } from '../../src/ato/replay.js';
import type { Assessment, AtoVerdict, AuthEvent } from '../../src/ato/types.js';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { newId } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { canonicalBody } from '../../src/ledger/entry.js';
import { createRandom } from '../../src/sim/ato/random.js';
import { fmt, measureFsync, tempDir } from '../support.js';
import { type CpuTime, cpuNow, cpuPer } from './cpu.js';
import type { LoadResult } from './load.js';
import { sqliteBound } from './sqlite-bound.js';
import { createPopulation, loginStream, warmStream } from './traffic.js';

const accountsTotal = Number(process.env.ACCOUNTS ?? 10_000);
const warmRounds = Number(process.env.WARM ?? 5);
const measured = Number(process.env.ASSESSMENTS ?? 50_000);
const callers = Number(process.env.CALLERS ?? 256);
const httpRate = Number(process.env.RATE ?? 1_000);
const httpSeconds = Number(process.env.SECONDS ?? 8);
const httpConnections = Number(process.env.CONNECTIONS ?? 64);
const databaseUrl = process.env.DATABASE_URL;
// Event times: one step apart, ending a few minutes before now (within the clock-skew check).
const stepMs = 50;

const dataDir = tempDir('custos-bench-ato-');
const schema = `bench_ato_${randomBytes(4).toString('hex')}`;
const { config } = loadConfig({
  env: {},
  overrides: {
    dataDir,
    'log.level': 'silent',
    ...(databaseUrl ? { 'database.url': databaseUrl, 'database.schema': schema } : {}),
  },
});
const custos = await createCustos(config, { logger: createLogger({ level: 'silent', pretty: false }) });
custos.atoEngine.preload();
// Background work as a serving node runs it: histories written behind every second, the outbox
// delivering recommended actions.
if (process.env.JOBS !== '0') custos.start();
const storeName = databaseUrl ? 'PostgreSQL' : 'SQLite';

const random = createRandom('bench-ato-assess');
let start = performance.now();
const accounts = createPopulation(accountsTotal);
const populationMs = performance.now() - start;
const firstTime = Date.now() - 10 * 60_000 - (accountsTotal * warmRounds + measured) * stepMs;
const warm = warmStream(random, accounts, warmRounds, firstTime, stepMs);
const traffic = loginStream(random, accounts, measured, firstTime + warm.length * stepMs, stepMs);

/** Runs `call` over `events` from `count` concurrent callers taking events in order; seconds. */
async function drive(
  events: readonly AuthEvent[],
  count: number,
  call: (event: AuthEvent, i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const begin = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: count }, async () => {
      while (next < events.length) {
        const i = next++;
        await call(events[i] as AuthEvent, i);
      }
    }),
  );
  return Number(process.hrtime.bigint() - begin) / 1e9;
}

/** The V8 CPU profiler of this thread, started now; `stop` writes what it saw to `file`. */
async function startProfile() {
  const session = new Session();
  session.connect();
  const post = promisify(session.post.bind(session)) as (method: string, params?: object) => Promise<unknown>;
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

const tally = (): Record<AtoVerdict, number> => ({ allow: 0, challenge: 0, deny: 0, lock_device: 0 });

// Warm histories: every account's first logins, through the service itself (recorded, too).
const warmDecisions = tally();
const warmSeconds = await drive(warm, callers, async (event) => {
  const { assessment } = await custos.atoAssess.assess(event, 'bench');
  warmDecisions[assessment.decision]++;
});

// The figure: the same service on warm histories. PROFILE=file.cpuprofile profiles this part alone.
const profiler = process.env.PROFILE ? await startProfile() : undefined;
const decisions = tally();
// Stalls of the event loop (a synchronous wait for SQLite's write lock shows here first).
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
let cpuStart = cpuNow();
const assessSeconds = await drive(traffic.events, callers, async (event) => {
  const { assessment } = await custos.atoAssess.assess(event, 'bench');
  decisions[assessment.decision]++;
});
const assessCpu = cpuPer(cpuStart, cpuNow(), measured);
loopDelay.disable();
if (profiler) await profiler.stop(process.env.PROFILE as string);
const assessRate = measured / assessSeconds;

// Bound: the enrichment lookups alone for the same events (caches as warm as the service left them).
// Passes over the events until a second has gone by, so CPU time (counted in 10 ms ticks) resolves.
let sink = 0;
let enriched = 0;
cpuStart = cpuNow();
start = performance.now();
while (performance.now() - start < 1000) {
  for (const event of traffic.events) sink += custos.atoEngine.enrich(event).hour;
  enriched += measured;
}
const enrichRate = enriched / ((performance.now() - start) / 1000);
const enrichCpu = cpuPer(cpuStart, cpuNow(), enriched);

// Bound: the replay assessor, warmed on the same logins, one event at a time as `ato eval` runs.
const replay = createReplayAssessor({ config: config.ato, clock: systemClock });
for (const event of warm) await replay.assess(event);
const replayed: Assessment[] = [];
cpuStart = cpuNow();
start = performance.now();
for (const event of traffic.events) replayed.push(await replay.assess(event));
const replayRate = measured / ((performance.now() - start) / 1000);
const replayCpu = cpuPer(cpuStart, cpuNow(), measured);
await replay.close();
const replayDecisions = tally();
for (const assessment of replayed) replayDecisions[assessment.decision]++;

// Bound: the ledger appending the same decision records with their search rows, all batchable,
// then without the search rows, in the columns recordDecision writes.
const columns = decisionIndexColumns;
const bodies = traffic.events.map((event, i) =>
  decisionBody({
    event,
    features: custos.atoEngine.enrich(event),
    assessment: replayed[i] as Assessment,
    caller: 'bench',
    assessedAt: Date.now(),
  }),
);
const bodyBytes = bodies.reduce((sum, body) => sum + JSON.stringify(body).length, 0) / bodies.length;
/** Appends the decision records, all batchable, with or without their search rows; rate and CPU. */
async function appendDecisions(withSearchRow: boolean): Promise<{ rate: number; cpu: CpuTime }> {
  const from = cpuNow();
  const seconds = await drive(traffic.events, callers, async (_event, i) => {
    const body = bodies[i] as (typeof bodies)[number];
    const id = newId('atd', systemClock);
    const values = decisionIndexValues(id, body);
    await custos.ledger.append(
      { type: 'ato.decision', id, body },
      {
        batchable: true,
        ...(withSearchRow ? { alsoInsert: { table: 'ato_decisions', columns, values } } : {}),
      },
    );
  });
  return { rate: measured / seconds, cpu: cpuPer(from, cpuNow(), measured) };
}
const ledger = await appendDecisions(true);
const ledgerBare = await appendDecisions(false);

// Bound (SQLite): SQLite itself writing the same rows, in groups as large as the callers are many.
const canonical = bodies.map((body) => canonicalBody(body));
const searchRows = bodies.map((body, i) => decisionIndexValues(`atd_bound_${i}`, body));
const sqliteFloor = databaseUrl
  ? undefined
  : {
      withSearch: await sqliteBound({
        dir: tempDir('custos-bench-ato-sqlite-'),
        bodies: canonical,
        searchColumns: columns,
        searchRows,
        group: callers,
      }),
      bare: await sqliteBound({
        dir: tempDir('custos-bench-ato-sqlite-'),
        bodies: canonical,
        searchColumns: columns,
        group: callers,
      }),
    };
const fsyncMs = measureFsync();

// Over HTTP: a service key with the scopes the two routes need, autocannon in a child process.
const { token } = await custos.apiKeys.create({
  name: 'bench',
  roles: ['service'],
  scopes: ['ato.assess', 'access.catalog.read'],
  createdBy: 'bench',
});
const address = await custos.api.app.listen({ host: '127.0.0.1', port: 0 });
const eventsFile = join(dataDir, 'http-events.json');
const httpEvents = loginStream(random, accounts, 50_000, 0, 0).events.map(
  ({ time: _time, ...event }) => event,
);
writeFileSync(eventsFile, JSON.stringify(httpEvents));
const loader = join(import.meta.dirname, 'load.js');

async function load(path: string, rate: number, events?: string): Promise<LoadResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      loader,
      `${address}${path}`,
      token,
      String(rate),
      String(httpSeconds),
      String(httpConnections),
      ...(events ? [events] : []),
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as LoadResult;
}
const httpRuns = httpSeconds > 0;
const http = httpRuns
  ? {
      fixed: await load('/v1/auth/assess', httpRate, eventsFile),
      fixedFloor: await load('/v1/access/catalog', httpRate),
      max: await load('/v1/auth/assess', 0, eventsFile),
      maxFloor: await load('/v1/access/catalog', 0),
    }
  : undefined;
await custos.close();
rmSync(dataDir, { recursive: true, force: true });
if (databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}

const share = (counts: Record<AtoVerdict, number>, total: number) =>
  (Object.entries(counts) as Array<[AtoVerdict, number]>)
    .filter(([, n]) => n > 0)
    .map(([decision, n]) => `${decision} ${fmt((100 * n) / total, 1)}%`)
    .join(', ');
const line = (text: string) => console.log(text);
const cpu = (c: CpuTime) => `CPU ${fmt(c.process, 1)} µs each, ${fmt(c.main, 1)} µs of it on the main thread`;
line(
  `takeover assessments: ${fmt(accountsTotal)} accounts (population drawn in ${fmt(populationMs / 1000, 1)} s), ${storeName} store, ${callers} concurrent callers, every decision recorded`,
);
line(
  `  logins: ${Object.entries(traffic.kinds)
    .map(([kind, n]) => `${kind} ${fmt((100 * n) / measured, 1)}%`)
    .join(', ')}; ${fmt(measured)} measured`,
);
line(
  `  warm-up, ${warmRounds} logins per account (histories read from the store, then built): ${fmt(warm.length / warmSeconds)} assessments/s; ${share(warmDecisions, warm.length)}`,
);
line(
  `  assess, histories warm, recording on: ${fmt(assessRate)} assessments/s (target >= 50,000); ${share(decisions, measured)}`,
);
line(
  `    event-loop delay p99 ${fmt(loopDelay.percentile(99) / 1e6, 1)} ms, max ${fmt(loopDelay.max / 1e6, 1)} ms; ${cpu(assessCpu)} (50,000/s on this machine's ${availableParallelism()} cores needs at most ${fmt((availableParallelism() * 1e6) / 50_000, 0)} µs, ${fmt(1e6 / 50_000, 0)} µs on the main thread)`,
);
line(
  `  bound: enrichment lookups alone, same events: ${fmt(enrichRate)} events/s (assess / enrich: ${fmt((100 * assessRate) / enrichRate, 1)}%); ${cpu(enrichCpu)}`,
);
line(
  `  bound: replay assessor (same engine, memory histories and counters, nothing recorded), one at a time: ${fmt(replayRate)} assessments/s (assess / replay: ${fmt((100 * assessRate) / replayRate, 1)}%); ${share(replayDecisions, measured)}; ${cpu(replayCpu)}`,
);
line(
  `  bound: ledger append of the same decision records and search rows, all batchable: ${fmt(ledger.rate)} records/s (assess / ledger: ${fmt((100 * assessRate) / ledger.rate, 1)}%); ${cpu(ledger.cpu)}`,
);
line(
  `    the same records without their search rows: ${fmt(ledgerBare.rate)} records/s; ${cpu(ledgerBare.cpu)}; mean record body ${fmt(bodyBytes)} bytes`,
);
if (sqliteFloor) {
  line(
    `  bound: SQLite alone writing the same rows (better-sqlite3, one transaction per ${callers} records, the writer's pragmas): ${fmt(sqliteFloor.withSearch.rate)} records/s with the search rows (ledger / SQLite: ${fmt((100 * ledger.rate) / sqliteFloor.withSearch.rate, 1)}%), ${fmt(sqliteFloor.bare.rate)}/s without (${fmt((100 * ledgerBare.rate) / sqliteFloor.bare.rate, 1)}%); CPU ${fmt(sqliteFloor.withSearch.cpu.process, 1)} and ${fmt(sqliteFloor.bare.cpu.process, 1)} µs each`,
  );
}
line(`  fsync (4 KiB write + fsync, median): ${fmt(fsyncMs * 1000, 0)} µs`);
if (http) {
  const row = (name: string, r: LoadResult) =>
    `${name}: ${fmt(r.requests.average)} req/s served, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms; ${r.non2xx} non-2xx, ${r.errors} errors`;
  line(
    `  HTTP on loopback, ${httpConnections} connections, ${httpSeconds} s each (autocannon in a child process):`,
  );
  line(`    ${row(`assess at ${fmt(httpRate)}/s`, http.fixed)}`);
  line(`    ${row(`floor: catalog at ${fmt(httpRate)}/s`, http.fixedFloor)}`);
  line(
    `      assess p99 / floor p99: ${fmt(http.fixed.latency.p99 / Math.max(1, http.fixedFloor.latency.p99), 1)}x`,
  );
  line(`    ${row('assess flat out', http.max)}`);
  line(`    ${row('floor: catalog flat out', http.maxFloor)}`);
  line(
    `      assess / catalog throughput: ${fmt((100 * http.max.requests.average) / http.maxFloor.requests.average, 1)}%; p99 ratio ${fmt(http.max.latency.p99 / Math.max(1, http.maxFloor.latency.p99), 1)}x`,
  );
}
if (sink < 0) line('');
