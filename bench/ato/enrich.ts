// Enrichment cost: loading the IP data once, then lookups per second for IP, phone and user agent
// alone and together, with warm caches (traffic repeats) and with caches off (every lookup
// computed). Beside them, measured in the same run: a bare Map.get over the same number of keys
// (the floor of any cached lookup) and the libraries' own raw calls that the uncached figures are
// built on (mmdb-lib's get on the same reader, with its decoded-record cache; libphonenumber's
// parse, isValid and getType; ua-parser's getResult).
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { dataFiles } from '../../src/ato/enrich.data.js';
import { loadAsnTable } from '../../src/ato/enrich.ip.asn.js';
import { loadCityDatabases } from '../../src/ato/enrich.ip.geo.js';
import { createEnricher } from '../../src/ato/enrich.js';
import type { AuthEvent } from '../../src/ato/types.js';
import { atoEnrichConfig } from '../../src/core/config.ato.enrich.js';
import { formatIpv4 } from '../../src/core/ip.js';
import { fmt } from '../support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const distinct = Number(process.env.DISTINCT ?? 10_000);
const lookups = Number(process.env.LOOKUPS ?? 500_000);

// Loading, measured first, in a process that has loaded nothing yet.
gc();
const before = process.memoryUsage();
const files = dataFiles();
let start = performance.now();
const cities = loadCityDatabases(files.cityIpv4, files.cityIpv6);
const cityMs = performance.now() - start;
start = performance.now();
const asns = loadAsnTable(files.asnIpv4, files.asnIpv6);
const asnMs = performance.now() - start;
gc();
const after = process.memoryUsage();
const mb = (bytes: number) => fmt(bytes / 1_048_576, 1);

// Deterministic inputs: addresses inside real announced ranges (so every one has an ASN and,
// mostly, a place), numbers in four countries' mobile ranges, and agents of real browsers and apps.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const ips = Array.from({ length: distinct }, () => {
  const row = Math.floor(random() * asns.ipv4.count);
  const first = asns.ipv4.starts[row] as number;
  const size = (asns.ipv4.ends[row] as number) - first + 1;
  return formatIpv4(first + Math.floor(random() * size));
});
const digits = (n: number) => String(Math.floor(random() * 10 ** n)).padStart(n, '0');
const phonePrefixes = ['+447400', '+1201555', '+4915', '+9198'];
const phoneDigits = [6, 4, 9, 8];
const phones = Array.from({ length: distinct }, (_, i) => {
  const k = i % 4;
  return `${phonePrefixes[k]}${digits(phoneDigits[k] as number)}`;
});
const agentTemplates = [
  (v: number) =>
    `Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.6099.144 Mobile Safari/537.36`,
  (v: number) =>
    `Mozilla/5.0 (iPhone; CPU iPhone OS 17_${v % 8} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.${v % 8} Mobile/15E148 Safari/604.1`,
  (v: number) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
  (v: number) => `WhatsApp/2.24.${v}.76 A`,
  (v: number) => `okhttp/4.${v}.0`,
];
const agents = Array.from({ length: Math.max(1, distinct / 5) }, (_, i) =>
  (agentTemplates[i % agentTemplates.length] as (v: number) => string)(100 + Math.floor(i / 5)),
);
const events: AuthEvent[] = ips.map((ip, i) => ({
  type: 'login',
  time: 1_780_000_000_000 + i * 1000,
  ip,
  phone: phones[i],
  userAgent: agents[i % agents.length],
}));

/** Calls per second of `call(i)` for i in 0..n-1, after a warm-up pass over the inputs. */
function rate(n: number, warm: number, call: (i: number) => unknown): number {
  for (let i = 0; i < warm; i++) call(i);
  let sink = 0;
  const begin = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (call(i)) sink++;
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  if (sink < 0) console.log(sink);
  return n / seconds;
}

const cached = createEnricher();
const uncached = createEnricher({ config: atoEnrichConfig.parse({ cache: { ip: 0, phone: 0, agent: 0 } }) });
const map = new Map(ips.map((ip, i) => [ip, i]));
const UAParser = (createRequire(import.meta.url)('ua-parser-js') as { UAParser: new () => UaParser })
  .UAParser;
interface UaParser {
  setUA(ua: string): UaParser;
  getResult(): unknown;
}
const parser = new UAParser();
const coldN = Math.min(lookups, 50_000);
const at = (list: string[], i: number) => list[i % list.length] as string;

/** Heap bytes per cache entry: heap growth after `fill` looked every key up once, over `count`. */
function heapPerEntry(count: number, fill: () => void): number {
  gc();
  const base = process.memoryUsage().heapUsed;
  fill();
  gc();
  return (process.memoryUsage().heapUsed - base) / count;
}
const entryBytes = {
  ip: heapPerEntry(ips.length, () => {
    for (const ip of ips) cached.ip(ip);
  }),
  phone: heapPerEntry(phones.length, () => {
    for (const phone of phones) cached.phone(phone);
  }),
  agent: heapPerEntry(agents.length, () => {
    for (const agent of agents) cached.agent(agent);
  }),
};

const rows: Array<[string, number, number | undefined]> = [
  ['peer: Map.get, same keys', rate(lookups, distinct, (i) => map.get(at(ips, i))), undefined],
  [
    'IP',
    rate(lookups, distinct, (i) => cached.ip(at(ips, i))),
    rate(coldN, 1000, (i) => uncached.ip(at(ips, i))),
  ],
  [
    'peer: mmdb-lib get alone (same record cache)',
    Number.NaN,
    rate(coldN, 1000, (i) => cities.ipv4.get(at(ips, i))),
  ],
  [
    'phone',
    rate(lookups, distinct, (i) => cached.phone(at(phones, i))),
    rate(coldN, 1000, (i) => uncached.phone(at(phones, i))),
  ],
  [
    'peer: libphonenumber parse + isValid + getType',
    Number.NaN,
    rate(coldN, 1000, (i) => {
      const parsed = parsePhoneNumberFromString(at(phones, i));
      return parsed?.isValid() && parsed.getType();
    }),
  ],
  [
    'user agent',
    rate(lookups, distinct, (i) => cached.agent(at(agents, i))),
    rate(Math.min(coldN, 20_000), 500, (i) => uncached.agent(at(agents, i))),
  ],
  [
    'peer: ua-parser-js getResult alone',
    Number.NaN,
    rate(Math.min(coldN, 20_000), 500, (i) => parser.setUA(at(agents, i)).getResult()),
  ],
  [
    'whole event (enrich)',
    rate(lookups, distinct, (i) => cached.enrich(events[i % events.length] as AuthEvent)),
    rate(Math.min(coldN, 20_000), 500, (i) => uncached.enrich(events[i % events.length] as AuthEvent)),
  ],
];

console.log(
  `Loading: city databases ${fmt(cityMs)} ms, ASN table ${fmt(asnMs)} ms (${fmt(asns.ipv4.count)} IPv4 and ${fmt(asns.ipv6.count)} IPv6 rows, ${fmt(asns.ipv4.orgs.length + asns.ipv6.orgs.length)} names)`,
);
console.log(
  `Memory after loading: +${mb(after.rss - before.rss)} MiB resident, +${mb(after.arrayBuffers - before.arrayBuffers)} MiB buffers and typed arrays, +${mb(after.heapUsed - before.heapUsed)} MiB JS heap`,
);
console.log(
  `Cache entries: IP ${fmt(entryBytes.ip)} B, phone ${fmt(entryBytes.phone)} B, user agent ${fmt(entryBytes.agent)} B of JS heap each`,
);
console.log(
  `\n${distinct} distinct keys, ${fmt(lookups)} warm lookups; uncached figures with every cache off\n`,
);
console.log('| lookup | warm (per second) | uncached (per second) | uncached per call |');
console.log('| --- | --- | --- | --- |');
for (const [name, warm, cold] of rows)
  console.log(
    `| ${name} | ${Number.isNaN(warm) ? '—' : fmt(warm)} | ${cold === undefined ? '—' : fmt(cold)} | ${cold === undefined ? '—' : `${fmt(1e6 / cold, 1)} µs`} |`,
  );
