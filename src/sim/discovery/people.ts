import type { Random } from '../ato/random.js';
import { type Actor, type Ask, day, hour, type Networks, shuffle } from './actors.js';
import { type Block, type CountryCode, countryCodes, type NumberWorld } from './world.js';

/**
 * Legitimate users. Each has a number of their own, an address book of 50 to 1,000 contacts
 * (Pareto sizes: most books are small, a few are large), mostly in their own region, some in the
 * rest of the country and a few abroad (more for expatriates), registered at the user's own rate
 * (60 to 85 %): friends are on the platform more often than random numbers are. Contacts are
 * scattered over their blocks, since people's numbers are not consecutive, and come in the order
 * of names, not numbers.
 *
 * A user's app does a first full sync (most users on the first day, as if the guard had just been
 * switched on; the rest join later), then incremental syncs of a few new contacts (1.5 a day),
 * and now and then a full re-sync of the whole book (every month or so). It sends from home (an
 * address in one of the country's ISPs' /24s) or from the phone network (a carrier NAT address
 * shared by every subscriber). An answer to wait (throttle, partial) is retried after the wait,
 * at most three times, as a client library would.
 */

export interface Person {
  account: string;
  device: string;
  phone: number;
  country: CountryCode;
  region: number;
  bookSize: number;
  registeredShare: number;
  foreignShare: number;
  home: { ip: string; asn: number } | undefined;
  carrier: { nat: string[]; asn: number };
  firstSync: number;
}

const incrementalPerDay = 1.5;
const resyncPerDay = 1 / 30;
const maxRetries = 3;

export function createPeople(
  random: Random,
  world: NumberWorld,
  networks: Networks,
  options: { users: number; start: number; end: number },
): Person[] {
  const people: Person[] = [];
  for (let i = 0; i < options.users; i++) {
    const r = random.fork(`person/${i}`);
    const country = r.weighted(countryCodes, (code) => world.countries[code].weight);
    const region = r.int(0, world.countries[country].regions.length);
    const own = r.pick(world.countries[country].regions[region] as Block[]);
    const homeNetwork = r.pick(networks.homes[country]);
    const carrier = r.pick(networks.carriers[country]);
    // A fifth of people sync only over the phone network (no home broadband).
    const home = r.chance(0.2)
      ? undefined
      : { ip: `${homeNetwork.a}.${homeNetwork.b}.${r.int(0, 256)}.${r.int(1, 255)}`, asn: homeNetwork.asn };
    const expatriate = r.chance(0.12);
    people.push({
      account: `u${i}`,
      device: `dev-u${i}`,
      phone: world.sample(r, own, true),
      country,
      region,
      bookSize: Math.min(1000, Math.floor(50 / (1 - r.next()) ** (1 / 1.3))),
      registeredShare: r.between(0.6, 0.85),
      foreignShare: expatriate ? r.between(0.15, 0.45) : r.between(0, 0.05),
      home,
      carrier: { nat: carrier.nat, asn: carrier.network.asn },
      firstSync: r.chance(0.8)
        ? options.start + Math.round(r.between(0, day))
        : Math.round(r.between(options.start + day, options.end)),
    });
  }
  return people;
}

/** One contact of `person`: where they live decides the block, the person's rate whether registered. */
function contact(random: Random, world: NumberWorld, person: Person): number {
  const roll = random.next();
  let block: Block;
  if (roll < person.foreignShare) {
    const others = countryCodes.filter((c) => c !== person.country);
    const country = world.countries[random.weighted(others, (c) => world.countries[c].weight)];
    block = random.pick(random.pick(country.regions));
  } else {
    const regions = world.countries[person.country].regions;
    const region = random.chance(0.75) ? (regions[person.region] as Block[]) : random.pick(regions);
    block = random.pick(region);
  }
  return world.sample(random, block, random.chance(person.registeredShare));
}

/** The life of one user's app: first sync, incremental syncs, re-syncs, retries. */
export function personActor(random: Random, world: NumberWorld, person: Person): Actor {
  const book: number[] = [];
  const seen = new Set<number>();
  const add = (count: number) => {
    const added: number[] = [];
    while (added.length < count) {
      const number = contact(random, world, person);
      if (number === person.phone || seen.has(number)) continue;
      seen.add(number);
      book.push(number);
      added.push(number);
    }
    return added;
  };
  let pending: { numbers: number[]; mode: Ask['mode']; retries: number } | undefined = {
    numbers: add(person.bookSize),
    mode: 'full',
    retries: 0,
  };
  const network = () => {
    if (person.home && random.chance(0.65)) return person.home;
    return { ip: random.pick(person.carrier.nat), asn: person.carrier.asn };
  };
  const nextSync = (time: number) =>
    time + Math.round(random.exponential(day / (incrementalPerDay + resyncPerDay)));
  return {
    kind: 'legit',
    ask() {
      if (!pending) {
        const resync = random.chance(resyncPerDay / (incrementalPerDay + resyncPerDay));
        pending = resync
          ? { numbers: shuffle(random, [...book]), mode: 'full', retries: 0 }
          : { numbers: add(random.int(1, 4)), mode: 'incremental', retries: 0 };
      }
      return {
        account: person.account,
        device: person.device,
        ...network(),
        phone: person.phone,
        numbers: pending.numbers,
        mode: pending.mode,
      };
    },
    answer(time, _ask, decision) {
      const retry = decision.decision === 'throttle' || decision.decision === 'partial';
      if (retry && pending && pending.retries < maxRetries) {
        pending.retries++;
        return time + Math.max(decision.retryAfterMs ?? hour, 1000);
      }
      pending = undefined;
      return nextSync(time);
    },
  };
}
