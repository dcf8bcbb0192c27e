import type { DiscoveryDecision } from '../../discovery/types.js';
import type { Random } from '../ato/random.js';
import { type Actor, type Ask, hour, type Networks, shuffle } from './actors.js';
import type { Block, CountryCode, NumberWorld } from './world.js';

/**
 * The scrapers. Each keeps what it learnt: the numbers answered registered, and the canaries it
 * was answered "registered" (it cannot tell them from people). Their shared tactics:
 *
 * - a wait they are told (throttle, partial) is waited, and what was not answered is asked again;
 *   told to wait three times running, they drop the account;
 * - a block ends the account;
 * - shadow is invisible, but a scraper sees its hits dry up: an account whose last three checks
 *   taught it nothing is taken as burnt and dropped. That is what a scraper watching its yield
 *   does, and it keeps the run short.
 */

/** Checks that taught nothing, in a row, before an account is dropped. */
const dryChecks = 3;

interface Tactics {
  /** What was asked and not answered goes back to the scraper's queue. */
  unanswered(numbers: number[]): void;
  /** When to ask next when the answer was a plain one; undefined when there is nothing left. */
  next(time: number): number | undefined;
}

/** The shared reaction to an answer; returns the next time, or undefined when the account is done. */
function react(
  state: { dry: number },
  time: number,
  ask: Ask,
  decision: DiscoveryDecision,
  learned: number,
  tactics: Tactics,
): number | undefined {
  if (decision.decision === 'block') return undefined;
  if (decision.decision === 'throttle') {
    tactics.unanswered(ask.numbers);
    // A wait taught nothing either: told to wait three times running, the account is dropped.
    state.dry++;
    return state.dry >= dryChecks ? undefined : time + Math.max(decision.retryAfterMs ?? hour, 1000);
  }
  if (decision.decision === 'partial') {
    const answered = new Set(decision.allowed);
    tactics.unanswered(ask.numbers.filter((_, i) => !answered.has(i)));
  }
  state.dry = learned === 0 ? state.dry + 1 : 0;
  if (state.dry >= dryChecks) return undefined;
  if (decision.decision === 'partial') return time + Math.max(decision.retryAfterMs ?? hour, 1000);
  return tactics.next(time);
}

const blocksOf = (world: NumberWorld, country: CountryCode) => world.countries[country].regions.flat();

/**
 * One account on one server walking a country's blocks in order, 5,000 numbers (the batch limit)
 * every 15 seconds: the classic enumeration, at the speed researchers used.
 */
export function fastScraper(
  random: Random,
  world: NumberWorld,
  networks: Networks,
  country: CountryCode,
): Actor {
  const blocks = blocksOf(world, country);
  let block = random.int(0, blocks.length);
  let offset = random.int(0, 200) * 5000;
  const queue: number[][] = [];
  const server = networks.server(random);
  const phone = world.sample(random, world.countries.US.regions[0]?.[0] as Block, true);
  const state = { dry: 0 };
  return {
    kind: 'fast',
    scraper: 'fast',
    ask() {
      let numbers = queue.shift();
      if (!numbers) {
        const base = (blocks[block] as Block).key * 1_000_000 + offset;
        numbers = Array.from({ length: 5000 }, (_, i) => base + i);
        offset += 5000;
        if (offset >= 1_000_000) {
          offset = 0;
          block = (block + 1) % blocks.length;
        }
      }
      return { account: 'fast-0', device: 'fast-dev', ...server, phone, numbers, mode: 'full' };
    },
    answer: (time, ask, decision, learned) =>
      react(state, time, ask, decision, learned, {
        unanswered: (numbers) => numbers.length > 0 && queue.unshift(numbers),
        next: (t) => t + 15_000,
      }),
  };
}

/**
 * A fleet of accounts splitting a country's mobile range. The range is cut into windows of 2,500
 * numbers taken in a random order, and each window into 25 interleaved slices of 100 (every 25th
 * number), handed to whichever member asks next: no member ever asks for two neighbours, the
 * fleet as a whole misses nothing, and no window is walked in order. Members ask every four hours
 * or so, each time from a proxy address picked from thousands across 120 networks, and carry
 * numbers of the swept country so their books look local.
 */
export function fleetScrapers(
  random: Random,
  world: NumberWorld,
  networks: Networks,
  options: { members: number; start: number; country: CountryCode; every?: number },
): Actor[] {
  const blocks = blocksOf(world, options.country);
  const windows: [Block, number][] = [];
  for (const block of blocks) for (let w = 0; w < 400; w++) windows.push([block, w]);
  shuffle(random, windows);
  const returned: number[][] = [];
  let window = 0;
  let slice = 0;
  const take = (): number[] => {
    const back = returned.pop();
    if (back) return back;
    const [block, w] = windows[window % windows.length] as [Block, number];
    const base = block.key * 1_000_000 + w * 2500 + slice;
    if (++slice === 25) {
      slice = 0;
      window++;
    }
    return shuffle(
      random,
      Array.from({ length: 100 }, (_, j) => base + 25 * j),
    );
  };
  const every = options.every ?? 4 * hour;
  return Array.from({ length: options.members }, (_, i): Actor => {
    const r = random.fork(`member/${i}`);
    const phone = world.sample(r, r.pick(blocks), true);
    const state = { dry: 0 };
    let holding: number[] | undefined;
    return {
      kind: 'fleet',
      scraper: 'fleet',
      ask() {
        holding ??= take();
        return {
          account: `fleet-${i}`,
          device: `fleet-dev-${i}`,
          ...r.pick(networks.proxies),
          phone,
          numbers: holding,
          mode: 'full',
        };
      },
      answer: (time, ask, decision, learned) => {
        holding = undefined;
        return react(state, time, ask, decision, learned, {
          unanswered: (numbers) => numbers.length > 0 && returned.push(numbers),
          next: (t) => t + Math.round(r.exponential(every)),
        });
      },
    };
  });
}

/** One account asking 1,000 random numbers of one block every ten minutes, from one server. */
export function prefixSweeper(
  random: Random,
  world: NumberWorld,
  networks: Networks,
  index: number,
  block: Block,
): Actor {
  const server = networks.server(random);
  const phone = world.sample(random, block, true);
  const asked = new Set<number>();
  const queue: number[][] = [];
  const state = { dry: 0 };
  return {
    kind: 'sweep',
    scraper: `sweep-${index}`,
    ask() {
      let numbers = queue.shift();
      if (!numbers) {
        numbers = [];
        while (numbers.length < 1000) {
          const number = block.key * 1_000_000 + random.int(0, 1_000_000);
          if (asked.has(number)) continue;
          asked.add(number);
          numbers.push(number);
        }
      }
      return {
        account: `sweep-${index}`,
        device: `sweep-dev-${index}`,
        ...server,
        phone,
        numbers,
        mode: 'full',
      };
    },
    answer: (time, ask, decision, learned) =>
      react(state, time, ask, decision, learned, {
        unanswered: (numbers) => numbers.length > 0 && queue.unshift(numbers),
        next: (t) => t + 10 * 60_000,
      }),
  };
}

/**
 * One account checking a list of 20,000 numbers known to be on the platform (from an earlier
 * scrape of another country's blocks), 500 every ten minutes from a home address: its hits are
 * abnormally many.
 */
export function listReplayer(
  random: Random,
  world: NumberWorld,
  networks: Networks,
  index: number,
  country: CountryCode,
): Actor {
  const blocks = blocksOf(world, country);
  const list = Array.from({ length: 20_000 }, () => world.sample(random, random.pick(blocks), true));
  const home = random.pick(networks.homes[country]);
  const ip = `${home.a}.${home.b}.${random.int(0, 256)}.${random.int(1, 255)}`;
  const phone = world.sample(random, random.pick(blocks), true);
  let at = 0;
  const queue: number[][] = [];
  const state = { dry: 0 };
  return {
    kind: 'replay',
    scraper: `replay-${index}`,
    ask() {
      let numbers = queue.shift();
      if (!numbers) {
        if (at >= list.length) return undefined;
        numbers = list.slice(at, at + 500);
        at += 500;
      }
      return {
        account: `replay-${index}`,
        device: `replay-dev-${index}`,
        ip,
        asn: home.asn,
        phone,
        numbers,
        mode: 'full',
      };
    },
    answer: (time, ask, decision, learned) =>
      react(state, time, ask, decision, learned, {
        unanswered: (numbers) => numbers.length > 0 && queue.unshift(numbers),
        next: (t) => (at >= list.length && queue.length === 0 ? undefined : t + 10 * 60_000),
      }),
  };
}
