// The contact-discovery guard as a whole, in process: whole checks per second (the check the API
// runs, with limits, quotas, signals and fleets in memory, as `custos discovery replay` runs it),
// memory per million tracked accounts, leaked-dump reading speed and replay speed, each beside
// the floor under it measured in the same run: parsing the requests' JSON, reading the dump's
// bytes and splitting its lines, parsing the log's JSON lines. Needs --expose-gc.
//
// CHECKS resizes the first part, MEMORY_ACCOUNTS and BOOK the second (accounts, numbers in each
// one's first sync), DUMP_NUMBERS the dump, REPLAY_USERS and REPLAY_DAYS the simulated log.
import {
  closeSync,
  createReadStream,
  createWriteStream,
  openSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { systemClock } from '../../src/core/clock.js';
import { scanDump } from '../../src/discovery/attribute.js';
import { createMemoryGuard, replayLog } from '../../src/discovery/replay.js';
import type { DiscoveryRequest } from '../../src/discovery/types.js';
import { createRandom, type Random } from '../../src/sim/ato/random.js';
import { runDiscoverySimulation } from '../../src/sim/discovery/run.js';
import { fmt, tempDir } from '../support.js';
import { discoveryDefaults } from './traffic.js';

const checksTotal = Number(process.env.CHECKS ?? 200_000);
const memoryAccounts = Number(process.env.MEMORY_ACCOUNTS ?? 100_000);
const book = Number(process.env.BOOK ?? 100);
const dumpNumbers = Number(process.env.DUMP_NUMBERS ?? 5_000_000);
const replayUsers = Number(process.env.REPLAY_USERS ?? 2_000);
const replayDays = Number(process.env.REPLAY_DAYS ?? 3);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
/** The JavaScript heap and the array buffers outside it (the fingerprint tables live there). */
const heapUsed = () => {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};
const dir = tempDir('custos-bench-discovery-');
const random = createRandom('bench-discovery-guard');

// Numbers of twelve countries with random national digits: about 10,000 destination prefixes, so
// that the shared prefix limits (20,000 new numbers an hour each) do not throttle the traffic.
const callingCodes = ['1', '31', '33', '34', '39', '44', '49', '52', '55', '62', '81', '91'];
const numberOf = (r: Random) => {
  let digits = `${r.pick(callingCodes)}${r.int(2, 10)}`;
  while (digits.length < 11) digits += String(r.int(0, 10));
  return `+${digits}`;
};

/** One account's check at `time`: `size` numbers, from its own device and address. */
function checkOf(account: number, size: number, time: number): DiscoveryRequest & { time: number } {
  return {
    account: `acct-${account}`,
    device: `dev-${account}`,
    ip: `10.${(account >> 16) & 255}.${(account >> 8) & 255}.${account & 255}`,
    asn: 64_512 + (account % 200),
    numbers: Array.from({ length: size }, () => numberOf(random)),
    mode: size > 20 ? 'full' : 'incremental',
    time,
  };
}

// 1. Memory per million tracked accounts: each account's first sync of BOOK numbers. First, so that
// nothing measured before it is still being freed.
{
  const guard = createMemoryGuard(discoveryDefaults(), 'bench-memory');
  const start = Date.UTC(2026, 10, 1);
  const before = heapUsed();
  let allowed = 0;
  // One first sync every 2 s of event time: a new account's whole book is answered.
  for (let a = 0; a < memoryAccounts; a++) {
    const { decision } = await guard.check(checkOf(1_000_000 + a, book, start + a * 2_000), 'bench');
    if (decision === 'allow') allowed++;
  }
  const after = heapUsed();
  let tables = 0;
  for (const state of guard.accounts.values()) tables += state.seen.bytes;
  const perAccount = (after - before) / memoryAccounts;
  console.log(
    `memory: ${fmt(memoryAccounts)} accounts, each a first sync of ${book} numbers (${fmt((100 * allowed) / memoryAccounts, 1)} % allowed): heap and buffers +${fmt(perAccount)} bytes an account = ${fmt((perAccount * 1e6) / 2 ** 30, 2)} GiB per million`,
  );
  console.log(
    `  of which looked-up fingerprint tables ${fmt(tables / memoryAccounts)} bytes (${fmt(tables / memoryAccounts / book, 1)} a number; 4 a number is the floor of a 32-bit fingerprint)`,
  );
}

// 2. Whole checks per second, beside parsing the same requests' JSON.
{
  const start = Date.UTC(2026, 10, 1);
  const accounts = 50_000;
  const requests = Array.from({ length: checksTotal }, (_, i) => {
    const account = random.int(0, accounts);
    return checkOf(account, random.chance(0.07) ? random.int(50, 301) : random.int(1, 6), start + i * 5);
  });
  const json = requests.map((r) => JSON.stringify(r));
  let begin = performance.now();
  for (const text of json) JSON.parse(text);
  const parseRate = json.length / ((performance.now() - begin) / 1000);
  const guard = createMemoryGuard(discoveryDefaults(), 'bench');
  const numbers = requests.reduce((sum, r) => sum + r.numbers.length, 0);
  const verdicts = new Map<string, number>();
  begin = performance.now();
  for (const request of requests) {
    const { decision } = await guard.check(request, 'bench');
    verdicts.set(decision, (verdicts.get(decision) ?? 0) + 1);
  }
  const seconds = (performance.now() - begin) / 1000;
  const mix = [...verdicts]
    .map(([verdict, n]) => `${verdict} ${fmt((100 * n) / requests.length, 1)} %`)
    .join(', ');
  console.log(
    `whole checks (memory guard): ${fmt(requests.length / seconds)} checks/s, ${fmt(numbers / seconds)} numbers/s (${fmt(numbers / requests.length, 1)} numbers a check, ${fmt(accounts)} accounts; ${mix})`,
  );
  console.log(`  JSON.parse of the same requests: ${fmt(parseRate)} requests/s`);
}

// 3. A leaked dump: DUMP_NUMBERS lines, beside reading its bytes and splitting its lines.
{
  const file = join(dir, 'dump.csv');
  const out = createWriteStream(file);
  const r = createRandom('bench-discovery-dump');
  for (let i = 0; i < dumpNumbers; i++) {
    const number = numberOf(r);
    const roll = r.next();
    const line =
      roll < 0.6
        ? number
        : roll < 0.85
          ? `${i},"${number}",${r.pick(['GB', 'DE', 'US'])}`
          : roll < 0.95
            ? `00${number.slice(1)}`
            : `${number.slice(0, 3)} ${number.slice(3, 7)} ${number.slice(7)}`;
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  const bytes = statSync(file).size;

  let begin = performance.now();
  const fd = openSync(file, 'r');
  const block = Buffer.alloc(1 << 20);
  while (readSync(fd, block) > 0);
  closeSync(fd);
  const readSeconds = (performance.now() - begin) / 1000;

  begin = performance.now();
  let lines = 0;
  for await (const _ of createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }) }))
    lines++;
  const readlineSeconds = (performance.now() - begin) / 1000;

  const canaryPrefixes = ['+4477009'];
  begin = performance.now();
  const scan = await scanDump(file, {
    kind: (n) => (canaryPrefixes.some((p) => n.startsWith(p)) ? 'canary' : undefined),
  });
  const scanSeconds = (performance.now() - begin) / 1000;
  console.log(
    `dump: ${fmt(scan.lines)} lines (${fmt(bytes / 2 ** 20)} MiB), ${fmt(scan.parsed)} numbers parsed, ${fmt(scan.canaries.length)} canaries: ${fmt(scan.parsed / scanSeconds)} numbers/s (target 1,000,000)`,
  );
  console.log(
    `  reading the bytes alone ${fmt(bytes / 2 ** 20 / readSeconds)} MiB/s (${fmt(lines / readSeconds)} lines/s); readline splitting alone ${fmt(lines / readlineSeconds)} lines/s; scan / readline ${fmt(readlineSeconds / scanSeconds, 2)}×`,
  );
  rmSync(file);
}

// 4. Replay: the simulation's log of checks, beside parsing its lines.
{
  const log = join(dir, 'checks.jsonl');
  await runDiscoverySimulation(
    { stopwatch: systemClock },
    { users: replayUsers, days: replayDays, seed: 1, out: log },
  );
  let begin = performance.now();
  let lines = 0;
  for await (const line of createInterface({ input: createReadStream(log, { highWaterMark: 1 << 20 }) })) {
    JSON.parse(line);
    lines++;
  }
  const parseRate = lines / ((performance.now() - begin) / 1000);
  begin = performance.now();
  const summary = await replayLog({ file: log, config: discoveryDefaults() }, { stopwatch: systemClock });
  const seconds = (performance.now() - begin) / 1000;
  console.log(
    `replay: ${fmt(summary.requests)} checks (${fmt(summary.numbers.asked)} numbers, ${fmt(((summary.to ?? 0) - (summary.from ?? 0)) / 3_600_000, 1)} event hours) in ${fmt(seconds, 1)} s: ${fmt(summary.requests / seconds)} checks/s, ${fmt(summary.numbers.asked / seconds)} numbers/s`,
  );
  console.log(`  reading and parsing the log's lines alone: ${fmt(parseRate)} lines/s`);
}

rmSync(dir, { recursive: true, force: true });
