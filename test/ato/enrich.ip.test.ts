import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFiles } from '../../src/ato/enrich.data.js';
import { loadAsnTable } from '../../src/ato/enrich.ip.asn.js';
import { loadCityDatabases } from '../../src/ato/enrich.ip.geo.js';
import { createIpLookup } from '../../src/ato/enrich.ip.js';
import { CustosError } from '../../src/core/errors.js';
import { parseIpv4 } from '../../src/core/ip.js';

// Only facts that do not move between monthly data releases: the public resolvers' networks
// and countries.
const ips = createIpLookup();

describe('IP lookup on the shipped data', () => {
  it('places 8.8.8.8 in the US on Google’s network', () => {
    const features = ips.lookup('8.8.8.8');
    expect(features).toMatchObject({
      kind: 'public',
      version: 4,
      address: '8.8.8.8',
      subnet: '8.8.8.0/24',
      country: 'US',
      asn: 15169,
      asOrganization: 'Google LLC',
      hosting: true,
    });
    expect(typeof features.latitude).toBe('number');
    expect(typeof features.longitude).toBe('number');
  });

  it('finds 1.1.1.1 on Cloudflare’s network', () => {
    expect(ips.lookup('1.1.1.1')).toMatchObject({ kind: 'public', asn: 13335, hosting: true });
  });

  it('finds 2001:4860:4860::8888 on Google’s network, by the IPv6 files', () => {
    expect(ips.lookup('2001:4860:4860::8888')).toMatchObject({
      kind: 'public',
      version: 6,
      address: '2001:4860:4860::8888',
      subnet: '2001:4860:4860::/48',
      asn: 15169,
    });
  });

  it('treats IPv4-mapped IPv6 as the IPv4 address', () => {
    expect(ips.lookup('::ffff:8.8.8.8')).toEqual(ips.lookup('8.8.8.8'));
  });

  it('gives private and reserved addresses a kind and subnet, and no place or network', () => {
    expect(ips.lookup('10.0.0.1')).toEqual({
      kind: 'private',
      version: 4,
      address: '10.0.0.1',
      subnet: '10.0.0.0/24',
      hosting: false,
    });
    for (const text of ['192.168.1.20', '172.16.5.4', '::1', 'fe80::1', 'fc00::1'])
      expect(ips.lookup(text), text).toMatchObject({ kind: 'private', hosting: false });
    for (const text of ['192.0.2.1', '198.51.100.1', '203.0.113.1', '224.0.0.1', '0.0.0.0']) {
      const features = ips.lookup(text);
      expect(features.kind, text).toBe('reserved');
      expect(features.country ?? features.asn, text).toBeUndefined();
    }
  });

  it('answers invalid for garbage and absent for nothing, without throwing', () => {
    for (const text of ['999.1.1.1', 'abc', '1.2.3.4:443', `${'1'.repeat(10_000)}`, '8.8.8.8\n', '<script>'])
      expect(ips.lookup(text)).toEqual({ kind: 'invalid', hosting: false });
    expect(ips.lookup('')).toEqual({ kind: 'absent', hosting: false });
    expect(ips.lookup(undefined)).toEqual({ kind: 'absent', hosting: false });
  });

  it('lists real address ranges of a network', () => {
    const ranges = ips.asnRanges(13335);
    const oneOneOneOne = parseIpv4('1.1.1.1') as number;
    expect(
      ranges.some(
        ([first, last]) =>
          (parseIpv4(first) as number) <= oneOneOneOne && oneOneOneOne <= (parseIpv4(last) as number),
      ),
    ).toBe(true);
    expect(ips.asnRanges(0)).toEqual([]);
  });

  it('returns the same frozen object for a repeated address', () => {
    const first = ips.lookup('1.1.1.1');
    expect(ips.lookup('1.1.1.1')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe('data loading', () => {
  it('loads each data file once per process, whatever the number of lookups built', () => {
    const files = dataFiles();
    createIpLookup().preload();
    createIpLookup().preload();
    expect(loadAsnTable(files.asnIpv4, files.asnIpv6)).toBe(loadAsnTable(files.asnIpv4, files.asnIpv6));
    expect(loadCityDatabases(files.cityIpv4, files.cityIpv6)).toBe(
      loadCityDatabases(files.cityIpv4, files.cityIpv6),
    );
  });

  it('needs no data for private addresses, and fails a public one with config.invalid when a file is missing', () => {
    const missing = createIpLookup({ files: { cityIpv4: '/nonexistent/city-ipv4.mmdb' } });
    expect(missing.lookup('10.1.2.3').kind).toBe('private');
    expect(missing.lookup('nonsense').kind).toBe('invalid');
    let error: unknown;
    try {
      missing.lookup('8.8.4.4');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CustosError);
    expect((error as CustosError).code).toBe('config.invalid');
    expect((error as CustosError).message).toContain('/nonexistent/city-ipv4.mmdb');
  });

  it('reports a malformed table once and remembers the failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-asn-'));
    try {
      const broken = join(dir, 'asn-ipv4-num.csv');
      writeFileSync(broken, '16777216,16777471,13335,Example\nnot a row\n');
      const attempt = () => {
        try {
          loadAsnTable(broken, dataFiles().asnIpv6);
        } catch (error) {
          return error;
        }
        return undefined;
      };
      const first = attempt();
      expect(first).toBeInstanceOf(CustosError);
      expect((first as CustosError).message).toContain('asn-ipv4-num.csv, line 2');
      // Even once the file is fixed, the process keeps its first answer: data is read once.
      writeFileSync(broken, '16777216,16777471,13335,Example\n');
      expect(attempt()).toBe(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
