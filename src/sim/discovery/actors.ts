import type { DiscoveryDecision, DiscoveryMode } from '../../discovery/types.js';
import type { Random } from '../ato/random.js';
import type { CountryCode, NumberWorld } from './world.js';

/**
 * Who sends checks in the discovery simulation, and the networks they send them from. An actor
 * asks (one check at a time, on event time) and is answered; what it does next may depend on the
 * answer, as a real client's retry or a scraper's tactics do.
 */

export const actorKinds = ['legit', 'fast', 'fleet', 'sweep', 'replay'] as const;
export type ActorKind = (typeof actorKinds)[number];

export const hour = 3_600_000;
export const day = 24 * hour;

export interface Ask {
  account: string;
  device: string;
  ip: string;
  asn: number;
  phone: number;
  numbers: number[];
  mode: DiscoveryMode;
}

export interface Actor {
  kind: ActorKind;
  /** The scraper (its dump) this actor works for; undefined for people. */
  scraper?: string;
  /** The check to send at `time`, or undefined when the actor has nothing to ask. */
  ask(time: number): Ask | undefined;
  /** The guard's answer; returns when to ask next, or undefined when the actor is done. */
  answer(time: number, ask: Ask, decision: DiscoveryDecision, learned: number): number | undefined;
}

export interface Network {
  asn: number;
  /** First two octets of the network's addresses. */
  a: number;
  b: number;
}

/**
 * Networks: per country three home ISPs and two mobile carriers (behind carrier NAT: a few dozen
 * addresses in one /24 shared by every subscriber), and 120 networks proxies exit from, mostly
 * hosting, a third residential ISPs of their own. Addresses are not real allocations; only their
 * sharing matters to the guard (addresses, /24s, networks).
 */
export interface Networks {
  homes: Record<CountryCode, Network[]>;
  carriers: Record<CountryCode, { network: Network; nat: string[] }[]>;
  proxies: { ip: string; asn: number }[];
  /** A datacenter address of its own, for a scraper on one server. */
  server(random: Random): { ip: string; asn: number };
}

export function createNetworks(random: Random, world: NumberWorld): Networks {
  let next = 0;
  const network = (asn: number): Network => {
    const n = next++;
    return { asn, a: 20 + Math.floor(n / 200), b: n % 200 };
  };
  const homes = {} as Networks['homes'];
  const carriers = {} as Networks['carriers'];
  let asn = 64_600;
  for (const code of Object.keys(world.countries) as CountryCode[]) {
    homes[code] = [network(asn++), network(asn++), network(asn++)];
    carriers[code] = [0, 1].map(() => {
      const carrier = network(asn++);
      const nat = Array.from({ length: 24 }, (_, i) => `${carrier.a}.${carrier.b}.7.${10 + i}`);
      return { network: carrier, nat };
    });
  }
  const proxies: Networks['proxies'] = [];
  for (let i = 0; i < 120; i++) {
    const exit = network(65_000 + i);
    for (let s = 0; s < 4; s++) {
      const subnet = 100 + random.int(0, 150);
      for (let h = 0; h < 10; h++)
        proxies.push({ ip: `${exit.a}.${exit.b}.${subnet}.${random.int(1, 255)}`, asn: exit.asn });
    }
  }
  const hosting = network(65_500);
  return {
    homes,
    carriers,
    proxies,
    server: (r) => ({ ip: `${hosting.a}.${hosting.b}.${r.int(0, 256)}.${r.int(1, 255)}`, asn: hosting.asn }),
  };
}

/** `items` in a random order (Fisher–Yates), in place. */
export function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
