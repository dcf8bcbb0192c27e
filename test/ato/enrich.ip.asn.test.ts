import { describe, expect, it } from 'vitest';
import { createAsnTable, parseAsnIpv4, parseAsnIpv6 } from '../../src/ato/enrich.ip.asn.js';
import { CustosError } from '../../src/core/errors.js';
import { parseIpv4, parseIpv6 } from '../../src/core/ip.js';

// 1.0.0.0 = 16777216, 1.0.0.255 = 16777471, 1.0.4.0 = 16778240, 1.0.7.255 = 16779263.
const ipv4Csv = [
  '16777216,16777471,13335,"Cloudflare, Inc."',
  '16778240,16779263,38803,Gtelecom Pty Ltd',
  '16779264,16779519,38803,"Gtelecom ""GT"" Pty Ltd"',
  '',
].join('\n');

// 2001:db8:: = 42540766411282592856903984951653826560; sub-/64 ranges inside 2001:db8::/64 and a
// whole /48 after them.
const ipv6Csv = [
  '42540766411282592856903984951653826560,42540766411282592856903984951653826575,64500,Anycast A',
  '42540766411282592856903984951653826576,42540766411282592856903984951653826576,64501,Anycast B',
  '42540766411283801782723599580828532736,42540766411285010708543214210003238911,64502,"Example, Ltd"',
].join('\r\n');

const table = () => createAsnTable(parseAsnIpv4(ipv4Csv), parseAsnIpv6(ipv6Csv));

function ipv4Row(text: string): [number, string] | undefined {
  const t = table();
  const row = t.findIpv4(parseIpv4(text) as number);
  return row < 0
    ? undefined
    : [t.ipv4.asns[row] as number, t.ipv4.orgs[t.ipv4.orgIds[row] as number] as string];
}

function ipv6Row(text: string): [number, string] | undefined {
  const t = table();
  const row = t.findIpv6(parseIpv6(text) as Uint32Array);
  return row < 0
    ? undefined
    : [t.ipv6.asns[row] as number, t.ipv6.orgs[t.ipv6.orgIds[row] as number] as string];
}

describe('ASN table parsing', () => {
  it('reads quoted organisations with commas and doubled quotes', () => {
    expect(ipv4Row('1.0.0.1')).toEqual([13335, 'Cloudflare, Inc.']);
    expect(ipv4Row('1.0.8.3')).toEqual([38803, 'Gtelecom "GT" Pty Ltd']);
  });

  it('finds range bounds inclusive and gaps empty', () => {
    expect(ipv4Row('1.0.0.0')?.[0]).toBe(13335);
    expect(ipv4Row('1.0.0.255')?.[0]).toBe(13335);
    expect(ipv4Row('1.0.1.0')).toBeUndefined();
    expect(ipv4Row('0.255.255.255')).toBeUndefined();
    expect(ipv4Row('1.0.7.255')?.[0]).toBe(38803);
    expect(ipv4Row('1.0.9.0')).toBeUndefined();
  });

  it('stores each organisation name once', () => {
    const rows = parseAsnIpv4(ipv4Csv);
    expect(rows.count).toBe(3);
    expect(rows.orgs).toEqual(['Cloudflare, Inc.', 'Gtelecom Pty Ltd', 'Gtelecom "GT" Pty Ltd']);
  });

  it('tells apart IPv6 ranges smaller than a /64, and reads CRLF lines', () => {
    expect(ipv6Row('2001:db8::5')).toEqual([64500, 'Anycast A']);
    expect(ipv6Row('2001:db8::10')).toEqual([64501, 'Anycast B']);
    expect(ipv6Row('2001:db8::11')).toBeUndefined();
    expect(ipv6Row('2001:db8:1:ffff::1')).toEqual([64502, 'Example, Ltd']);
    expect(ipv6Row('2001:db8:2::')).toBeUndefined();
  });

  it('cuts a row that overlaps the previous one and drops one inside it', () => {
    const rows = parseAsnIpv4('100,200,1,A\n150,300,2,B\n160,250,3,C\n301,400,4,D\n');
    expect(rows.count).toBe(3);
    expect([...rows.starts]).toEqual([100, 201, 301]);
    expect([...rows.ends]).toEqual([200, 300, 400]);
    expect([...rows.asns]).toEqual([1, 2, 4]);
  });

  it('lists the IPv4 ranges of an AS', () => {
    expect(table().ipv4RangesOf(38803)).toEqual([
      ['1.0.4.0', '1.0.7.255'],
      ['1.0.8.0', '1.0.8.255'],
    ]);
    expect(table().ipv4RangesOf(1)).toEqual([]);
  });

  it('rejects malformed rows with the file and line', () => {
    const attempts = [
      '1,2,3,A\n1,2,A\n',
      '1,2,x,A\n',
      '5,4,3,A\n',
      '1,4294967296,3,A\n',
      '1,2,3,"unterminated\n',
      '-1,2,3,A\n',
    ];
    for (const csv of attempts) {
      let error: unknown;
      try {
        parseAsnIpv4(csv, 'test.csv');
      } catch (caught) {
        error = caught;
      }
      expect(error, csv).toBeInstanceOf(CustosError);
      expect((error as CustosError).code).toBe('config.invalid');
      expect((error as CustosError).message).toContain('test.csv, line');
    }
    expect(() => parseAsnIpv6('340282366920938463463374607431768211456,1,1,A\n')).toThrow(CustosError);
  });

  it('reads the largest IPv6 address', () => {
    const rows = parseAsnIpv6(
      '340282366920938463463374607431768211455,340282366920938463463374607431768211455,1,Top\n',
    );
    expect([...rows.starts]).toEqual([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
  });
});
