import { createBoundedCache } from '../core/cache.js';
import { classifyIpv4, classifyIpv6, formatIp, parseIp, subnetOf } from '../core/ip.js';
import { dataFiles, type EnrichmentDataFiles } from './enrich.data.js';
import { createHostingClassifier, type HostingClassifier, type HostingOptions } from './enrich.hosting.js';
import { type AsnTable, loadAsnTable } from './enrich.ip.asn.js';
import { type CityDatabases, loadCityDatabases, placeOf } from './enrich.ip.geo.js';
import type { IpFeatures } from './types.js';

export interface IpLookupOptions extends HostingOptions {
  /** Data files; each one unset is taken from the installed data packages. */
  files?: Partial<EnrichmentDataFiles>;
  /** Addresses whose features are remembered. */
  cacheSize?: number;
}

/** IP address to features, and the address ranges of a network. */
export interface IpLookup {
  /** Features of an address; never throws for bad input (only when the data files are missing). */
  lookup(address: string | undefined): IpFeatures;
  /** First and last address of each IPv4 range of `asn`, in address order (for the simulator). */
  asnRanges(asn: number): Array<[string, string]>;
  /** Whether a network looks like a hosting, cloud or VPN provider (for facts given by the caller). */
  isHosting: HostingClassifier;
  /** Loads the data files now rather than on the first public address. */
  preload(): void;
}

const absent: IpFeatures = Object.freeze({ kind: 'absent', hosting: false });
const invalid: IpFeatures = Object.freeze({ kind: 'invalid', hosting: false });

/**
 * Builds the IP lookup. The city databases and the ASN table are loaded on first use and shared
 * by every lookup in the process that names the same files (see `loadCityDatabases` and
 * `loadAsnTable`), so building many lookups costs nothing.
 */
export function createIpLookup(options: IpLookupOptions = {}): IpLookup {
  const isHosting: HostingClassifier = createHostingClassifier(options);
  const cache = createBoundedCache<IpFeatures>(options.cacheSize ?? 100_000);
  let files: EnrichmentDataFiles | undefined;
  let cities: CityDatabases | undefined;
  let asns: AsnTable | undefined;

  function data(): { cities: CityDatabases; asns: AsnTable } {
    files ??= dataFiles(options.files);
    cities ??= loadCityDatabases(files.cityIpv4, files.cityIpv6);
    asns ??= loadAsnTable(files.asnIpv4, files.asnIpv6);
    return { cities, asns };
  }

  function compute(text: string): IpFeatures {
    const ip = parseIp(text);
    if (!ip) return invalid;
    const address = formatIp(ip);
    const kind = ip.version === 4 ? classifyIpv4(ip.value) : classifyIpv6(ip.words);
    const features: IpFeatures = { kind, version: ip.version, address, subnet: subnetOf(ip), hosting: false };
    // Private and reserved addresses have no place or network: the databases know none, and a
    // guess would be wrong.
    if (kind !== 'public') return Object.freeze(features);
    const { cities, asns } = data();
    const place = placeOf(cities, ip.version, address);
    if (place) {
      if (place.country !== undefined) features.country = place.country;
      if (place.region !== undefined) features.region = place.region;
      if (place.city !== undefined) features.city = place.city;
      if (place.latitude !== undefined) features.latitude = place.latitude;
      if (place.longitude !== undefined) features.longitude = place.longitude;
    }
    const rows = ip.version === 4 ? asns.ipv4 : asns.ipv6;
    const row = ip.version === 4 ? asns.findIpv4(ip.value) : asns.findIpv6(ip.words);
    if (row >= 0) {
      features.asn = rows.asns[row] as number;
      features.asOrganization = rows.orgs[rows.orgIds[row] as number] as string;
    }
    features.hosting = isHosting(features.asn, features.asOrganization);
    return Object.freeze(features);
  }

  return {
    lookup(text) {
      if (text === undefined || text === '') return absent;
      let features = cache.get(text);
      if (!features) {
        features = compute(text);
        // Refusing junk again is cheap; remembering it would let junk evict real addresses.
        if (features !== invalid) cache.set(text, features);
      }
      return features;
    },
    asnRanges: (asn) => data().asns.ipv4RangesOf(asn),
    isHosting,
    preload() {
      data();
    },
  };
}
