import type { KnownFacts } from '../../ato/types.js';
import { CustosError } from '../../core/errors.js';
import { networks } from './networks.js';
import type { Random } from './random.js';

/**
 * IP addresses for simulated traffic. With an `addressesOf` lookup (the enrichment's ASN table)
 * addresses are drawn from every range the ASN announces and the assessor's own enrichment finds
 * their country and network, as it would in production. Without it, addresses come from the one
 * range per country listed in networks.ts and the simulation hands the assessor the facts itself.
 */

/** IPv4 (or IPv6, skipped) ranges an ASN announces: first and last address, as text or number. */
export type AddressesOf = (
  asn: number,
) => ReadonlyArray<readonly [first: string | number, last: string | number]>;

/** Where an address was drawn from. */
export interface Address {
  ip: string;
  asn: number;
  /** The country the simulation meant; enrichment may place the address elsewhere. */
  country: string | undefined;
  hosting: boolean;
}

export interface AddressBook {
  /** An address in `asn`, in `country` when the network has ranges there. */
  draw(random: Random, asn: number, country?: string): Address;
  /** Facts to send beside the event: none when enrichment can look the address up itself. */
  factsFor(address: Address): KnownFacts | undefined;
}

/** Dotted text to a 32-bit number; null for anything else (IPv6 included). */
export function ipv4ToNumber(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

export function numberToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

interface Span {
  first: number;
  size: number;
  country: string | undefined;
}

function asNumber(end: string | number): number | null {
  if (typeof end === 'number') return Number.isInteger(end) && end >= 0 && end < 2 ** 32 ? end : null;
  return ipv4ToNumber(end);
}

/** Spans to draw from, with running totals of their sizes for a binary search. */
interface Pool {
  spans: Span[];
  ends: number[];
}

function poolOf(spans: Span[]): Pool {
  let total = 0;
  return { spans, ends: spans.map((span) => (total += span.size)) };
}

/** A span with probability proportional to its size (an AS may announce thousands). */
function pickSpan(random: Random, pool: Pool): Span {
  const at = random.next() * (pool.ends.at(-1) as number);
  let low = 0;
  let high = pool.ends.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((pool.ends[middle] as number) > at) high = middle;
    else low = middle + 1;
  }
  return pool.spans[low] as Span;
}

/**
 * An address book over the simulation's networks; `locate`, when given, is the enrichment's
 * country lookup, used to redraw addresses a lookup would place outside the intended country.
 */
export function createAddressBook(
  deps: { addressesOf?: AddressesOf; locate?: (ip: string) => string | undefined } = {},
): AddressBook {
  const cache = new Map<number, Span[]>();
  const pools = new Map<string, Pool>();
  const listed = (asn: number): Span[] =>
    (networks.get(asn)?.ranges ?? []).map(([first, last, country]) => {
      const from = ipv4ToNumber(first) as number;
      return { first: from, size: (ipv4ToNumber(last) as number) - from + 1, country };
    });
  const looked = (asn: number, addressesOf: AddressesOf): Span[] => {
    const spans: Span[] = [];
    for (const [first, last] of addressesOf(asn)) {
      const from = asNumber(first);
      const to = asNumber(last);
      if (from !== null && to !== null && to >= from)
        spans.push({ first: from, size: to - from + 1, country: undefined });
    }
    return spans;
  };
  const spansOf = (asn: number): Span[] => {
    let spans = cache.get(asn);
    if (!spans) {
      spans = deps.addressesOf ? looked(asn, deps.addressesOf) : [];
      // An ASN the lookup does not know still gets the listed range.
      if (spans.length === 0) spans = listed(asn);
      cache.set(asn, spans);
    }
    return spans;
  };

  return {
    draw(random, asn, country) {
      const key = `${asn}/${country ?? ''}`;
      let pool = pools.get(key);
      if (!pool) {
        const spans = spansOf(asn);
        const inCountry = country ? spans.filter((span) => span.country === country) : [];
        pool = poolOf(inCountry.length > 0 ? inCountry : spans);
        if (pool.spans.length === 0) {
          throw new CustosError('internal', `the simulation knows no addresses of AS${asn}`);
        }
        pools.set(key, pool);
      }
      const hosting = networks.get(asn)?.hosting ?? false;
      const drawOnce = (): Address => {
        const span = pickSpan(random, pool as Pool);
        const ip = numberToIpv4(span.first + random.int(0, span.size));
        return { ip, asn, country: span.country ?? country, hosting };
      };
      let address = drawOnce();
      if (deps.locate && country) {
        // A national ISP announces a few ranges abroad; redraw a few times to stay at home.
        for (let attempt = 0; attempt < 8 && deps.locate(address.ip) !== country; attempt += 1) {
          address = drawOnce();
        }
      }
      return address;
    },
    factsFor(address) {
      if (deps.addressesOf) return undefined;
      const ip: NonNullable<KnownFacts['ip']> = { asn: address.asn, hosting: address.hosting };
      if (address.country) ip.country = address.country;
      const name = networks.get(address.asn)?.name;
      if (name) ip.asOrganization = name;
      return { ip };
    },
  };
}
