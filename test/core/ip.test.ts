import { describe, expect, it } from 'vitest';
import {
  classifyIpv4,
  classifyIpv6,
  formatIp,
  formatIpv6,
  type ParsedIp,
  parseIp,
  parseIpv4,
  parseIpv6,
  subnetOf,
} from '../../src/core/ip.js';

/** The parsed address; fails the test when the text does not parse. */
function parsed(text: string): ParsedIp {
  const ip = parseIp(text);
  if (!ip) throw new Error(`${text} did not parse`);
  return ip;
}

/** Kind of an address text, through the same steps as the lookup. */
function kindOf(text: string): string {
  const ip = parseIp(text);
  if (!ip) return 'invalid';
  return ip.version === 4 ? classifyIpv4(ip.value) : classifyIpv6(ip.words);
}

describe('IPv4 parsing', () => {
  it('reads dotted quads as unsigned 32-bit numbers', () => {
    expect(parseIpv4('8.8.8.8')).toBe(0x08080808);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('0.0.0.0')).toBe(0);
  });

  it('refuses out-of-range octets, leading zeros, missing or extra parts and stray characters', () => {
    for (const text of [
      '999.1.1.1',
      '256.0.0.1',
      '010.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '1..2.3',
      '1.2.3.4 ',
      ' 1.2.3.4',
      '1.2.3.-4',
      '1.2.3.4:80',
      '0x8.8.8.8',
      '１.2.3.4',
    ])
      expect(parseIpv4(text), text).toBeUndefined();
  });
});

describe('IPv6 parsing', () => {
  it('expands :: and reads an IPv4 tail', () => {
    expect([...(parseIpv6('2001:db8::1') ?? [])]).toEqual([0x20010db8, 0, 0, 1]);
    expect([...(parseIpv6('::') ?? [])]).toEqual([0, 0, 0, 0]);
    expect([...(parseIpv6('::ffff:1.2.3.4') ?? [])]).toEqual([0, 0, 0xffff, 0x01020304]);
    expect([...(parseIpv6('1:2:3:4:5:6:7:8') ?? [])]).toEqual([
      0x00010002, 0x00030004, 0x00050006, 0x00070008,
    ]);
  });

  it('drops a zone id', () => {
    expect([...(parseIpv6('fe80::1%eth0') ?? [])]).toEqual([0xfe800000, 0, 0, 1]);
  });

  it('refuses malformed text', () => {
    for (const text of [
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      'g::1',
      '::1.2.3',
      '1:2:3:4:5:6:7:8::',
      '%eth0',
      '::1%',
      '[::1]',
    ])
      expect(parseIpv6(text), text).toBeUndefined();
  });
});

describe('parseIp', () => {
  it('turns IPv4-mapped IPv6 into the IPv4 address, in dotted and hex form', () => {
    expect(parseIp('::ffff:8.8.8.8')).toEqual({ version: 4, value: 0x08080808 });
    expect(parseIp('::FFFF:0808:0808')).toEqual({ version: 4, value: 0x08080808 });
  });

  it('refuses empty and over-long text without parsing it', () => {
    expect(parseIp('')).toBeUndefined();
    expect(parseIp(`1.1.1.1${' '.repeat(100)}`)).toBeUndefined();
    expect(parseIp('1:'.repeat(40))).toBeUndefined();
  });
});

describe('classification', () => {
  it('finds public addresses public', () => {
    for (const text of [
      '8.8.8.8',
      '1.1.1.1',
      '100.63.255.255',
      '100.128.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '2001:4860:4860::8888',
      '2a00:1450::1',
    ])
      expect(kindOf(text), text).toBe('public');
  });

  it('finds RFC 1918, loopback, link-local, carrier-grade NAT and unique-local addresses private', () => {
    for (const text of [
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.1.1',
      '100.64.0.1',
      '100.127.255.255',
      '::1',
      'fe80::1',
      'febf::1',
      'fc00::1',
      'fd12:3456::1',
    ])
      expect(kindOf(text), text).toBe('private');
  });

  it('finds documentation, benchmarking, multicast and unallocated addresses reserved', () => {
    for (const text of [
      '192.0.2.1',
      '198.51.100.1',
      '203.0.113.1',
      '224.0.0.1',
      '239.255.255.255',
      '0.0.0.0',
      '0.1.2.3',
      '240.0.0.1',
      '255.255.255.255',
      '198.18.0.1',
      '198.19.255.255',
      '192.0.0.8',
      '::',
      'ff02::1',
      '2001:db8::1',
      '3fff::1',
      '2001:2::1',
      '2001:10::1',
      '2001:20::1',
      '64:ff9b::808:808',
      '4000::1',
      '::8.8.8.8',
    ])
      expect(kindOf(text), text).toBe('reserved');
  });
});

describe('canonical text and subnet', () => {
  it('writes IPv6 in RFC 5952 form', () => {
    const canonical = (text: string) => formatIpv6(parseIpv6(text) as Uint32Array);
    expect(canonical('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonical('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonical('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonical('0:0:0:0:0:0:0:0')).toBe('::');
    expect(canonical('1:0:0:0:0:0:0:0')).toBe('1::');
    expect(canonical('0:0:0:0:0:0:0:1')).toBe('::1');
  });

  it('gives the /24 of IPv4 and the /48 of IPv6', () => {
    expect(subnetOf(parsed('203.0.113.77'))).toBe('203.0.113.0/24');
    expect(subnetOf(parsed('2001:db8:abcd:1234::5'))).toBe('2001:db8:abcd::/48');
    expect(formatIp(parsed('::ffff:192.0.2.1'))).toBe('192.0.2.1');
  });
});
