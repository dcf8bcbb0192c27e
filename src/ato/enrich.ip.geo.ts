import { readFileSync } from 'node:fs';
import { Reader, type Response } from 'mmdb-lib';
import { createBoundedCache } from '../core/cache.js';
import { CustosError } from '../core/errors.js';

/** Where an address is, as far as the city database knows. */
export interface Place {
  country?: string;
  region?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
}

/**
 * The two DB-IP Lite city databases: one per family, because the IPv6 file has no IPv4 subtree
 * (its tree is 128 bits deep with no ::ffff:0:0/96 alias), so each family reads its own.
 */
export interface CityDatabases {
  ipv4: Reader<Response>;
  ipv6: Reader<Response>;
}

const loaded = new Map<string, CityDatabases | CustosError>();

/**
 * Opens the two databases once per process (about 134 MB, held as Buffers outside the JS heap)
 * and shares them with every later caller of the same files. A failure is remembered too, so a
 * broken file costs one read, not one per lookup.
 */
export function loadCityDatabases(ipv4File: string, ipv6File: string): CityDatabases {
  const key = `${ipv4File}\n${ipv6File}`;
  let databases = loaded.get(key);
  if (!databases) {
    try {
      databases = { ipv4: open(ipv4File), ipv6: open(ipv6File) };
    } catch (error) {
      databases = error instanceof CustosError ? error : new CustosError('internal', String(error));
    }
    loaded.set(key, databases);
  }
  if (databases instanceof CustosError) throw databases;
  return databases;
}

/**
 * Decoded records remembered per database, by their offset in it. Many addresses share a record
 * (one per city and range), and decoding one is about half the cost of a lookup.
 */
const decodedRecords = 10_000;

function open(file: string): Reader<Response> {
  try {
    return new Reader<Response>(readFileSync(file), {
      cache: createBoundedCache<unknown, string | number>(decodedRecords),
    });
  } catch (error) {
    throw new CustosError(
      'config.invalid',
      `cannot open the city database ${file}: ${(error as Error).message}`,
      { file },
    );
  }
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

// The database stores coordinates as 32-bit floats (37.422000885009766); four decimals (about
// 11 m) is all they hold and keeps stored histories readable.
const coordinate = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? Math.round(value * 1e4) / 1e4 : undefined;

/**
 * The place of a canonical address text. DB-IP Lite records are flat, not MaxMind's nested
 * shape: `country_code`, `state1` (region), `state2`, `city`, `postcode`, `latitude`,
 * `longitude`, `timezone`, with empty strings for unknown parts. Fields are read defensively, so a
 * database of another shape yields fewer fields rather than wrong ones.
 */
export function placeOf(databases: CityDatabases, version: 4 | 6, address: string): Place | undefined {
  const record = (version === 4 ? databases.ipv4 : databases.ipv6).get(address) as Record<
    string,
    unknown
  > | null;
  if (!record) return undefined;
  const place: Place = {};
  const country = text(record.country_code);
  if (country && /^[A-Z]{2}$/.test(country)) place.country = country;
  const region = text(record.state1);
  if (region) place.region = region;
  const city = text(record.city);
  if (city) place.city = city;
  const latitude = coordinate(record.latitude);
  const longitude = coordinate(record.longitude);
  if (latitude !== undefined && longitude !== undefined) {
    place.latitude = latitude;
    place.longitude = longitude;
  }
  return place;
}
