import { createWriteStream, type WriteStream } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import { type DiscoveryConfig, discoveryConfig } from '../../core/config.discovery.js';
import { CustosError } from '../../core/errors.js';
import { attribute } from '../../discovery/attribute.js';
import { createMemoryGuard, type MemoryGuard } from '../../discovery/replay.js';
import type { DiscoveryVerdict } from '../../discovery/types.js';
import { createRandom } from '../ato/random.js';
import { type Actor, type Ask, createNetworks, day, hour } from './actors.js';
import { createTally, type ScraperTally } from './metrics.js';
import { createPeople, personActor } from './people.js';
import { fastScraper, fleetScrapers, listReplayer, prefixSweeper } from './scrapers.js';
import { createNumberWorld, e164 } from './world.js';

/**
 * `custos sim discovery` end to end: a seeded world of registered numbers, people syncing their
 * address books and four kinds of scraper, every check decided by the guard on event time, and
 * the answers scored against the truth: friction for people, yield for scrapers, how fast the
 * fleet is seen, and whether each scraper's dump names it.
 */

export interface DiscoverySimOptions {
  users: number;
  days: number;
  seed: number;
  /** Members of the fleet (default 1,000). */
  fleetMembers?: number;
  /** Event time of the first day (default 2026-01-05T00:00Z). */
  start?: number;
  /** The guard's settings; the defaults when absent. The world's canary ranges are added to them. */
  config?: DiscoveryConfig;
  /** Writes every check as a line `custos discovery replay` reads. */
  out?: string;
}

export interface ScraperReport {
  id: string;
  kind: ScraperTally['kind'];
  accounts: number;
  /** Event time of its first check, and days from then to the end of the run. */
  start: number;
  days: number;
  requests: number;
  decisions: Record<DiscoveryVerdict, number>;
  asked: number;
  /** Registered numbers it learnt, in all, per account per day and per day for the whole scraper. */
  learned: number;
  learnedPerAccountPerDay: number;
  learnedPerDay: number;
  canaries: number;
  /** Event time from its first check to the first of its checks held on a signal; null if never. */
  detectedAfterMs: number | null;
  fleetMemberAfterMs: number | null;
  accountsDetected: number;
  reasons: Record<string, number>;
}

export interface AttributionCheck {
  scraper: string;
  canaries: number;
  topSuspect: string | null;
  topCanaries: number;
  topCohort: string | null;
  /** Share of the dump's canaries explained by the scraper's own accounts. */
  coverage: number;
  /** Accounts of nobody in this scraper that were shown some of the dump's canaries. */
  innocentSuspects: number;
  bestInnocentCanaries: number;
  /** Top suspect and top cohort are the scraper's; null when the dump holds no canary. */
  matches: boolean | null;
}

export interface DiscoverySimReport {
  seed: number;
  users: number;
  days: number;
  start: number;
  canaryRanges: number;
  cohort: DiscoveryConfig['canaries']['cohort'];
  requests: number;
  wallMs: number;
  requestsPerSecond: number;
  legitimate: {
    users: number;
    requests: number;
    numbers: number;
    answered: number;
    decisions: Record<DiscoveryVerdict, number>;
    usersBlocked: number;
    usersThrottled: number;
    usersShadowed: number;
    throttledShare: number;
    shadowedShare: number;
    partialShare: number;
    reasons: Record<string, number>;
  };
  scrapers: ScraperReport[];
  /** One account's ceiling: the allowance, then the refill a day. */
  quota: { allowance: number; perDay: number };
  fast: { learned: number; ceiling: number };
  fleet: {
    members: number;
    detectedAfterMs: number | null;
    fleetMemberAfterMs: number | null;
    membersDetected: number;
    learned: number;
    /** What one fast account could learn over the fleet's days at most (the quota's ceiling). */
    oneAccountCeiling: number;
    /** What the fast account of this run actually learnt. */
    fastLearned: number;
  };
  attribution: AttributionCheck[];
}

interface Entry {
  time: number;
  seq: number;
  actor: Actor;
}

/** A binary min-heap on (time, seq): the next check of all is always the earliest. */
function createQueue() {
  const heap: Entry[] = [];
  const less = (a: Entry, b: Entry) => a.time < b.time || (a.time === b.time && a.seq < b.seq);
  return {
    get size() {
      return heap.length;
    },
    push(entry: Entry) {
      heap.push(entry);
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!less(heap[i] as Entry, heap[parent] as Entry)) break;
        [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
        i = parent;
      }
    },
    pop(): Entry | undefined {
      const top = heap[0];
      const last = heap.pop();
      if (heap.length > 0 && last) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && less(heap[l] as Entry, heap[m] as Entry)) m = l;
          if (r < heap.length && less(heap[r] as Entry, heap[m] as Entry)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m] as Entry, heap[i] as Entry];
          i = m;
        }
      }
      return top;
    },
  };
}

async function writeLine(out: WriteStream, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
}

/** Runs the simulation and scores it. */
export async function runDiscoverySimulation(
  deps: { stopwatch: Clock; onProgress?: (done: number, total: number) => void },
  options: DiscoverySimOptions,
): Promise<DiscoverySimReport> {
  if (!Number.isInteger(options.users) || options.users < 1)
    throw new CustosError('request.invalid', 'the simulation needs at least one user');
  if (!(options.days >= 2))
    throw new CustosError('request.invalid', 'the simulation needs at least two days');
  const started = deps.stopwatch.now();
  const start = options.start ?? Date.UTC(2026, 0, 5);
  const end = start + Math.round(options.days * day);
  const root = createRandom(options.seed);
  const world = createNumberWorld(options.seed);
  const base = options.config ?? discoveryConfig.parse({});
  // Each account its own canary set: a dump then names accounts, not buckets shared by strangers.
  const config: DiscoveryConfig = {
    ...base,
    canaries: { ...base.canaries, prefixes: world.canaryPrefixes(), cohort: 'account' },
  };
  // The API's check with everything in memory, as `custos discovery replay` runs it.
  const guard = createMemoryGuard(config, `sim ${options.seed}`);
  const networks = createNetworks(root.fork('networks'), world);
  const tally = createTally();
  const queue = createQueue();
  let seq = 0;
  const spawn = (actor: Actor, at: number) => queue.push({ time: at, seq: seq++, actor });

  for (const person of createPeople(root.fork('people'), world, networks, {
    users: options.users,
    start,
    end,
  }))
    spawn(personActor(root.fork(`life/${person.account}`), world, person), person.firstSync);
  // People have had a day of first syncs before the scrapers come, as on a platform already live.
  const fleetMembers = options.fleetMembers ?? 1000;
  const fleetStart = start + day;
  const fleetRandom = root.fork('fleet');
  for (const member of fleetScrapers(fleetRandom, world, networks, {
    members: fleetMembers,
    start: fleetStart,
    country: 'GB',
  }))
    spawn(member, fleetStart + Math.round(fleetRandom.between(0, 2 * hour)));
  spawn(fastScraper(root.fork('fast'), world, networks, 'GB'), start + day + 6 * hour);
  const sweepBlocks = [world.countries.DE, world.countries.IN, world.countries.BR].map(
    (c) => c.regions[1]?.[2] as (typeof world.blocks)[number],
  );
  sweepBlocks.forEach((block, i) => {
    spawn(prefixSweeper(root.fork(`sweep/${i}`), world, networks, i, block), start + day + (12 + i) * hour);
  });
  spawn(listReplayer(root.fork('replay/0'), world, networks, 0, 'US'), start + 2 * day);
  spawn(listReplayer(root.fork('replay/1'), world, networks, 1, 'IN'), start + 2 * day + 3 * hour);

  const out = options.out ? createWriteStream(options.out) : undefined;
  let requests = 0;
  try {
    for (let entry = queue.pop(); entry !== undefined; entry = queue.pop()) {
      const { time, actor } = entry;
      if (time >= end) continue;
      const ask: Ask | undefined = actor.ask(time);
      if (!ask) continue;
      const numbers = ask.numbers.map(e164);
      // The platform knows who is registered; it tells the guard, which is how the hit rate is known.
      const registered = ask.numbers.map((n) => world.registered(n));
      const request = {
        account: ask.account,
        device: ask.device,
        ip: ask.ip,
        asn: ask.asn,
        phone: e164(ask.phone),
        numbers,
        mode: ask.mode,
        time,
        registered,
      };
      if (out) {
        const { time: _time, ...fields } = request;
        await writeLine(out, JSON.stringify({ t: time / 1000, ...fields }));
      }
      const decision = await guard.check(request);
      requests++;
      const learned = tally.record(actor, ask, time, decision, registered, numbers);
      const next = actor.answer(time, ask, decision, learned);
      if (next !== undefined && next < end) spawn(actor, Math.max(next, time));
      if ((requests & 0xfff) === 0) {
        deps.onProgress?.(time - start, end - start);
        // The check resolves in microtasks only: let timers and I/O (a progress bar, a test
        // runner's messages) through now and then.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    if (out)
      await new Promise<void>((resolve, reject) =>
        out.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
  }
  deps.onProgress?.(end - start, end - start);
  const wallMs = Math.max(1, deps.stopwatch.now() - started);
  return report({ options, config, start, end, tally, guard, requests, wallMs });
}

function report(input: {
  options: DiscoverySimOptions;
  config: DiscoveryConfig;
  start: number;
  end: number;
  tally: ReturnType<typeof createTally>;
  guard: MemoryGuard;
  requests: number;
  wallMs: number;
}): DiscoverySimReport {
  const { config, tally, end } = input;
  const legit = tally.legit;
  const perDay = config.quota.refillPerHour * 24;
  const ceiling = (from: number) => config.quota.allowance + (perDay * (end - from)) / day;
  const scrapers: ScraperReport[] = [...tally.scrapers.values()].map((s) => {
    const days = (end - s.start) / day;
    return {
      id: s.id,
      kind: s.kind,
      accounts: s.accounts.size,
      start: s.start,
      days,
      requests: s.requests,
      decisions: s.decisions,
      asked: s.asked,
      learned: s.learned.size,
      learnedPerAccountPerDay: s.learned.size / s.accounts.size / days,
      learnedPerDay: s.learned.size / days,
      canaries: s.canaries.size,
      detectedAfterMs: s.detectedAt === null ? null : s.detectedAt - s.start,
      fleetMemberAfterMs: s.fleetMemberAt === null ? null : s.fleetMemberAt - s.start,
      accountsDetected: s.detectedAccounts.size,
      reasons: s.reasons,
    };
  });
  const fast = tally.scrapers.get('fast');
  const fleet = tally.scrapers.get('fleet');
  const exposuresByNumber = new Map<string, typeof input.guard.exposures>();
  for (const e of input.guard.exposures) {
    const list = exposuresByNumber.get(e.number);
    if (list) list.push(e);
    else exposuresByNumber.set(e.number, [e]);
  }
  const attribution: AttributionCheck[] = [...tally.scrapers.values()].map((s) => {
    // The dump a scraper would leak: what it learnt. Only its canaries can name it.
    const dump = [...s.canaries].sort();
    const rows = dump.flatMap((n) => exposuresByNumber.get(n) ?? []);
    const found = attribute(dump, rows, config.canaries);
    const top = found.suspects[0];
    const topCohort = found.cohorts[0]?.cohort ?? null;
    const own = new Set<string>();
    for (const row of rows) if (s.accounts.has(row.account)) own.add(row.number);
    const innocents = found.suspects.filter((x) => !s.accounts.has(x.account));
    return {
      scraper: s.id,
      canaries: dump.length,
      topSuspect: top?.account ?? null,
      topCanaries: top?.canaries ?? 0,
      topCohort,
      coverage: dump.length === 0 ? 0 : own.size / dump.length,
      innocentSuspects: innocents.length,
      bestInnocentCanaries: innocents[0]?.canaries ?? 0,
      matches:
        dump.length === 0
          ? null
          : top !== undefined &&
            s.accounts.has(top.account) &&
            topCohort !== null &&
            s.accounts.has(topCohort.replace(/^a:/, '')) &&
            (innocents[0]?.canaries ?? 0) < top.canaries,
    };
  });
  return {
    seed: input.options.seed,
    users: input.options.users,
    days: input.options.days,
    start: input.start,
    canaryRanges: config.canaries.prefixes.length,
    cohort: config.canaries.cohort,
    requests: input.requests,
    wallMs: input.wallMs,
    requestsPerSecond: (input.requests / input.wallMs) * 1000,
    legitimate: {
      users: legit.users.size,
      requests: legit.requests,
      numbers: legit.numbers,
      answered: legit.answered,
      decisions: legit.decisions,
      usersBlocked: legit.usersBlocked.size,
      usersThrottled: legit.usersThrottled.size,
      usersShadowed: legit.usersShadowed.size,
      throttledShare: legit.decisions.throttle / Math.max(1, legit.requests),
      shadowedShare: legit.decisions.shadow / Math.max(1, legit.requests),
      partialShare: legit.decisions.partial / Math.max(1, legit.requests),
      reasons: legit.reasons,
    },
    scrapers,
    quota: { allowance: config.quota.allowance, perDay },
    fast: { learned: fast?.learned.size ?? 0, ceiling: fast ? ceiling(fast.start) : config.quota.allowance },
    fleet: {
      members: fleet?.accounts.size ?? 0,
      detectedAfterMs: fleet?.detectedAt == null ? null : fleet.detectedAt - fleet.start,
      fleetMemberAfterMs: fleet?.fleetMemberAt == null ? null : fleet.fleetMemberAt - fleet.start,
      membersDetected: fleet?.detectedAccounts.size ?? 0,
      learned: fleet?.learned.size ?? 0,
      oneAccountCeiling: fleet ? ceiling(fleet.start) : config.quota.allowance,
      fastLearned: fast?.learned.size ?? 0,
    },
    attribution,
  };
}
