// Access check cost with 10,000 active grants over 1,000,000 known subjects, each check logged
// durably to the store and sequenced in the ledger: one caller at a time, 64 concurrent callers,
// and over HTTP on loopback at a fixed rate (autocannon in a child process). Beside them: the
// machine's fsync cost, the bare grant lookup the check is built on, and Cedar's evaluation time.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCustos } from '../../src/app.js';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { newId } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { fmt, measureFsync, summarize, tempDir } from '../support.js';

const grantsTotal = Number(process.env.GRANTS ?? 10_000);
const subjectsPerGrant = 100;
const actorsTotal = 2_000;
const sequentialChecks = Number(process.env.SEQUENTIAL ?? 5_000);
const concurrentChecks = Number(process.env.CONCURRENT ?? 40_000);
const callers = 64;
const httpRate = Number(process.env.RATE ?? 2_000);
const httpSeconds = Number(process.env.SECONDS ?? 10);

const dataDir = tempDir('custos-bench-access-');
const { config } = loadConfig({ env: {}, overrides: { dataDir, 'log.level': 'silent' } });
const custos = await createCustos(config, { logger: createLogger({ level: 'silent', pretty: false }) });

// 10,000 grants to 2,000 engineers, each naming 100 users: 1,000,000 subjects.
const actors = Array.from({ length: actorsTotal }, () => newId('usr', systemClock));
const grants: { actor: string; firstSubject: number }[] = [];
const now = Date.now();
const setupStart = process.hrtime.bigint();
for (let g = 0; g < grantsTotal; g += 500) {
  const grantRows: unknown[][] = [];
  const subjectRows: unknown[][] = [];
  for (let i = g; i < Math.min(g + 500, grantsTotal); i++) {
    const id = newId('grt', systemClock);
    const actor = actors[i % actorsTotal] as string;
    grants.push({ actor, firstSubject: i * subjectsPerGrant });
    grantRows.push([
      id,
      actor,
      'support',
      `SUP-${i}`,
      '["identity.phone","profile.name"]',
      '["read"]',
      'approval',
      now,
      now + 86_400_000,
      now,
    ]);
    for (let s = 0; s < subjectsPerGrant; s++)
      subjectRows.push([id, actor, `u${i * subjectsPerGrant + s}`, now + 86_400_000]);
  }
  await custos.store.insertMany([
    {
      table: 'access_grants',
      columns: [
        'id',
        'actor_id',
        'purpose',
        'ticket_id',
        'fields',
        'operations',
        'source',
        'starts_at',
        'expires_at',
        'created_at',
      ],
      rows: grantRows,
    },
    {
      table: 'access_grant_subjects',
      columns: ['grant_id', 'actor_id', 'subject_id', 'expires_at'],
      rows: subjectRows,
    },
  ]);
}
// Every actor is an enabled console user with an entry in the employee registry, as the check
// requires: an unregistered or disabled actor is denied before any grant is looked at.
await custos.store.insertMany([
  {
    table: 'users',
    columns: ['id', 'username', 'display_name', 'roles', 'created_at', 'updated_at'],
    rows: actors.map((id, i) => [id, `eng${i}`, `Engineer ${i}`, '["engineer"]', now, now]),
  },
  {
    table: 'access_employees',
    columns: ['user_id', 'platform_user_id', 'manager_id', 'team', 'updated_at'],
    rows: actors.map((id, i) => [id, `staff-${i}`, null, `team-${i % 50}`, now]),
  },
]);
const setupSeconds = Number(process.hrtime.bigint() - setupStart) / 1e9;

let n = 0;
/** Half the checks hit a subject of one of the actor's grants (permit), half a stranger (deny). */
function nextCheck() {
  const grant = grants[(n * 7919) % grants.length] as { actor: string; firstSubject: number };
  const subject = n % 2 === 0 ? `u${grant.firstSubject + (n % subjectsPerGrant)}` : `stranger-${n}`;
  n++;
  return {
    actor: grant.actor,
    subject,
    fields: ['identity.phone', 'network.ip'],
    operation: 'read' as const,
  };
}

// The bare lookup a check starts with, for scale: grants in force for (actor, subject).
const lookups: number[] = [];
for (let i = 0; i < 5_000; i++) {
  const input = nextCheck();
  const start = process.hrtime.bigint();
  await custos.grants.activeFor(input.actor, input.subject);
  lookups.push(Number(process.hrtime.bigint() - start) / 1000);
}

// One caller at a time: each check waits for its own durable commit.
const sequential: number[] = [];
let permits = 0;
for (let i = 0; i < sequentialChecks; i++) {
  const start = process.hrtime.bigint();
  const result = await custos.accessCheck.check(nextCheck(), 'bench');
  sequential.push(Number(process.hrtime.bigint() - start) / 1000);
  if (result.decision === 'permit') permits++;
}

// 64 callers: group commit shares each fsync among the checks waiting for it.
let done = 0;
const concurrentStart = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: callers }, async () => {
    while (done < concurrentChecks) {
      done++;
      await custos.accessCheck.check(nextCheck(), 'bench');
    }
  }),
);
const concurrentRate = concurrentChecks / (Number(process.hrtime.bigint() - concurrentStart) / 1e9);

// Cedar: the grant decision the approval flow takes, evaluated alone.
const cedar: number[] = [];
for (let i = 0; i < 20_000; i++) {
  const start = process.hrtime.bigint();
  custos.approvalPolicy.evaluate(
    'grant',
    { id: 'usr_a', roles: ['engineer'] },
    {
      id: 'req_a',
      facts: {
        purpose: 'support',
        tier: 3,
        fields: ['identity.phone'],
        operations: ['read'],
        subjectCount: 1,
        durationSeconds: 3600,
        protectedSubjects: false,
        ticketFiledBySubject: false,
      },
    },
    { approvals: 2, securityApprovals: 1, managementApprovals: 1 },
  );
  cedar.push(Number(process.hrtime.bigint() - start) / 1000);
}

// Over HTTP on loopback, from autocannon in its own process. Beside the check, the same load on
// the cheapest authenticated route (the field-class catalog: API key lookup, no store write): the
// floor our HTTP stack sets on this machine, whatever the check costs.
const { token } = await custos.apiKeys.create({ name: 'bench', roles: ['service'], createdBy: 'bench' });
const address = await custos.api.app.listen({ host: '127.0.0.1', port: 0 });
const body = JSON.stringify({
  ...nextCheck(),
  subject: `u${(grants[0] as { firstSubject: number }).firstSubject}`,
  actor: (grants[0] as { actor: string }).actor,
});

interface Autocannon {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

/**
 * autocannon's `-R` is a budget per connection per second: each connection sends back to back
 * until it has spent its share, then waits for the next second. The figure is therefore the
 * latency of 64 closed-loop callers for as long as the second's budget lasts.
 */
async function autocannon(path: string, postBody?: string): Promise<Autocannon> {
  const { stdout } = await promisify(execFile)(
    join(process.cwd(), 'node_modules', '.bin', 'autocannon'),
    [
      '--json',
      '-c',
      '64',
      '-R',
      String(httpRate),
      '-d',
      String(httpSeconds),
      '-H',
      `authorization=Bearer ${token}`,
      ...(postBody ? ['-m', 'POST', '-H', 'content-type=application/json', '-b', postBody] : []),
      `${address}${path}`,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Autocannon;
}
const http = await autocannon('/v1/access/check', body);
const floor = await autocannon('/v1/access/catalog');
const fsyncMs = measureFsync();
await custos.close();

const seq = summarize(sequential);
const look = summarize(lookups);
const ced = summarize(cedar);
console.log(
  `access check: ${fmt(grantsTotal)} active grants over ${fmt(grantsTotal * subjectsPerGrant)} subjects (set up in ${fmt(setupSeconds, 1)} s), SQLite store, every check logged`,
);
console.log(
  `  one caller:  median ${fmt(seq.median, 1)} µs, p99 ${fmt(seq.p99, 1)} µs (targets < 500 µs, < 3,000 µs); ${fmt((100 * permits) / sequentialChecks, 0)}% permits`,
);
console.log(`  ${callers} callers:  ${fmt(concurrentRate)} checks/s (target >= 10,000)`);
console.log(
  `  HTTP at ${fmt(httpRate)}/s for ${httpSeconds} s (64 connections): ${fmt(http.requests.average)} req/s served, p50 ${http.latency.p50} ms, p99 ${http.latency.p99} ms (target < 5 ms); ${http.non2xx} non-2xx, ${http.errors} errors`,
);
console.log(
  `  floor: the catalog route under the same load: p50 ${floor.latency.p50} ms, p99 ${floor.latency.p99} ms (check p99 / floor p99: ${fmt(http.latency.p99 / Math.max(1, floor.latency.p99), 1)}x); ${floor.non2xx} non-2xx`,
);
console.log(
  `  bound: the grant lookup alone: median ${fmt(look.median, 1)} µs (check / lookup: ${fmt(seq.median / look.median, 1)}x)`,
);
console.log(
  `  fsync (4 KiB write + fsync, median): ${fmt(fsyncMs * 1000, 0)} µs (one-caller check / fsync: ${fmt(seq.median / (fsyncMs * 1000), 2)}x)`,
);
console.log(
  `  Cedar approval decision (grant, 4 policies): median ${fmt(ced.median, 1)} µs, p99 ${fmt(ced.p99, 1)} µs`,
);
