/**
 * IP address text: strict parsing, classification, canonical text and the /24 or /48 subnet.
 * Hand-written rather than node:net because enrichment needs the numeric value anyway (for the
 * ASN binary search and the classification), and because lenient forms must be refused.
 */

/** What kind of address an event came from; private, reserved and unknown ones are reasons of their own. */
export type IpKind = 'public' | 'private' | 'reserved' | 'invalid' | 'absent';

/** A parsed address: IPv4 as one unsigned 32-bit number, IPv6 as four big-endian 32-bit words. */
export type ParsedIp = { version: 4; value: number } | { version: 6; words: Uint32Array };

/** Longest accepted text: a full IPv6 address with an embedded IPv4 tail and a short zone id. */
export const maxAddressLength = 64;

const hexGroup = /^[0-9a-fA-F]{1,4}$/;

/**
 * Parses an IPv4 dotted quad. Octets with leading zeros (`010.1.1.1`) are refused: some software
 * reads them as octal, so the same text would name two different hosts.
 */
export function parseIpv4(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined;
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}

/** Parses the 16-bit groups of one side of `::`; an IPv4 tail counts as two groups. */
function groupsOf(part: string, allowIpv4Tail: boolean): number[] | undefined {
  if (part === '') return [];
  const texts = part.split(':');
  const groups: number[] = [];
  for (let i = 0; i < texts.length; i++) {
    const group = texts[i] as string;
    if (allowIpv4Tail && i === texts.length - 1 && group.includes('.')) {
      const v4 = parseIpv4(group);
      if (v4 === undefined) return undefined;
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else if (hexGroup.test(group)) {
      groups.push(Number.parseInt(group, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** Parses IPv6 text (RFC 4291 forms, with `::` and an IPv4 tail); a zone id (`%eth0`) is dropped. */
export function parseIpv6(text: string): Uint32Array | undefined {
  const zone = text.indexOf('%');
  const bare = zone >= 0 ? text.slice(0, zone) : text;
  if (zone === 0 || zone === text.length - 1) return undefined;
  const halves = bare.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = groupsOf(halves[0] as string, !compressed);
  const tail = compressed ? groupsOf(halves[1] as string, true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++)
    words[i] = (((groups[2 * i] as number) << 16) | (groups[2 * i + 1] as number)) >>> 0;
  return words;
}

/**
 * Parses either family. An IPv4-mapped IPv6 address (`::ffff:8.8.8.8`) is the IPv4 address it
 * carries: a dual-stack server reports IPv4 clients that way, and they must match their plain form.
 */
export function parseIp(text: string): ParsedIp | undefined {
  if (text.length === 0 || text.length > maxAddressLength) return undefined;
  if (!text.includes(':')) {
    const value = parseIpv4(text);
    return value === undefined ? undefined : { version: 4, value };
  }
  const words = parseIpv6(text);
  if (!words) return undefined;
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff)
    return { version: 4, value: words[3] as number };
  return { version: 6, words };
}

/**
 * Private: reachable only inside one network, so it says nothing about where the client is:
 * RFC 1918 (10/8, 172.16/12, 192.168/16), loopback (127/8), link-local (169.254/16) and
 * carrier-grade NAT space (100.64/10, RFC 6598), which a public server never sees from the
 * internet, so it comes from the platform's own or a carrier's internal hop. Reserved: never a
 * real client: "this network" (0/8), IETF protocol assignments (192.0.0/24), the documentation
 * blocks (192.0.2/24, 198.51.100/24, 203.0.113/24), the retired 6to4 relay (192.88.99/24),
 * benchmarking (198.18/15), multicast (224/4) and 240/4 with the broadcast address. Tested octet by
 * octet: a loop over prefix tables cost more than the rest of the lookup.
 */
export function classifyIpv4(value: number): IpKind {
  const a = value >>> 24;
  const b = (value >>> 16) & 255;
  const c = (value >>> 8) & 255;
  if (a === 10 || a === 127) return 'private';
  if ((a === 172 && (b & 0xf0) === 16) || (a === 192 && b === 168) || (a === 169 && b === 254))
    return 'private';
  if (a === 100 && (b & 0xc0) === 64) return 'private';
  if (a === 0 || a >= 224) return 'reserved';
  if (a === 192 && ((b === 0 && (c === 0 || c === 2)) || (b === 88 && c === 99))) return 'reserved';
  if (a === 198 && ((b & 0xfe) === 18 || (b === 51 && c === 100))) return 'reserved';
  if (a === 203 && b === 0 && c === 113) return 'reserved';
  return 'public';
}

/**
 * Global unicast (2000::/3) is public except its documentation, benchmarking and ORCHID blocks;
 * loopback, link-local (fe80::/10) and unique-local (fc00::/7) are private; everything else
 * (unspecified, multicast, the rest of ::/8 such as NAT64 64:ff9b::/96, space IANA has not
 * allocated) is reserved.
 */
export function classifyIpv6(words: Uint32Array): IpKind {
  const w0 = words[0] as number;
  const w1 = words[1] as number;
  if (w0 === 0 && w1 === 0 && words[2] === 0 && words[3] === 1) return 'private';
  if ((w0 & 0xffc00000) >>> 0 === 0xfe800000 || (w0 & 0xfe000000) >>> 0 === 0xfc000000) return 'private';
  if ((w0 & 0xe0000000) >>> 0 !== 0x20000000) return 'reserved';
  if (w0 === 0x20010db8) return 'reserved'; // 2001:db8::/32, documentation
  if ((w0 & 0xfffff000) >>> 0 === 0x3fff0000) return 'reserved'; // 3fff::/20, documentation (RFC 9637)
  if (w0 === 0x20010002 && w1 >>> 16 === 0) return 'reserved'; // 2001:2::/48, benchmarking
  if ((w0 & 0xfffffff0) >>> 0 === 0x20010010) return 'reserved'; // 2001:10::/28, deprecated ORCHID
  if ((w0 & 0xfffffff0) >>> 0 === 0x20010020) return 'reserved'; // 2001:20::/28, ORCHIDv2
  return 'public';
}

/** Dotted-quad text of an IPv4 value. */
export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
export function formatIpv6(words: Uint32Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 4; i++) groups.push((words[i] as number) >>> 16, (words[i] as number) & 0xffff);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** Canonical text of a parsed address. */
export function formatIp(ip: ParsedIp): string {
  return ip.version === 4 ? formatIpv4(ip.value) : formatIpv6(ip.words);
}

/** The /24 (IPv4) or /48 (IPv6) holding the address, as CIDR text. */
export function subnetOf(ip: ParsedIp): string {
  if (ip.version === 4) return `${formatIpv4((ip.value & 0xffffff00) >>> 0)}/24`;
  const network = new Uint32Array([ip.words[0] as number, (ip.words[1] as number) & 0xffff0000, 0, 0]);
  return `${formatIpv6(network)}/48`;
}
