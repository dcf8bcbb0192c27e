import { parseIp } from '../../core/ip.js';
import type { FieldAccessor, ValueTest } from './fields.js';
import type { ModifierChain, ValueKind } from './modifiers.js';
import { type Anchoring, compilePattern, compilePatterns, type TextTest } from './pattern.js';
import type { Pos, Scalar, YNode } from './yaml.js';

/** Tests a whole event. */
export type EventTest = (event: unknown) => boolean;

/** Every string of the current event, as found and lower-cased, for keyword search. */
export type KeywordSource = (event: unknown) => { raw: readonly string[]; lower: readonly string[] };

export class ValueError extends Error {
  constructor(
    readonly pos: Pos,
    message: string,
    readonly feature?: string,
  ) {
    super(message);
  }
}

const numeric = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number from an event value, when it is one or is the text of one. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && numeric.test(value)) return Number(value);
  return undefined;
}

/** The values of a field entry: one scalar or a list of them. */
function scalarsOf(node: YNode): { value: Scalar; pos: Pos }[] {
  if (node.kind === 'scalar') return [{ value: node.value, pos: node.pos }];
  if (node.kind === 'seq') {
    return node.items.map((item) => {
      if (item.kind !== 'scalar')
        throw new ValueError(item.pos, 'a list of values may hold only plain values');
      return { value: item.value, pos: item.pos };
    });
  }
  throw new ValueError(node.pos, 'a field takes a value or a list of values, not a map');
}

/** Compiles one `field|modifiers: value(s)` entry of a selection. */
export function compileFieldEntry(chain: ModifierChain, node: YNode, accessor: FieldAccessor): EventTest {
  const values = scalarsOf(node);
  if (values.length === 0) return () => false;
  if (chain.kind === 'exists') {
    const [only] = values;
    if (values.length !== 1 || typeof only?.value !== 'boolean') {
      throw new ValueError(node.pos, "'exists' takes true or false");
    }
    const wanted = only.value;
    return (event) => accessor.exists(event) === wanted;
  }
  const tests: EventTest[] = [];
  const valueTests: ValueTest[] = [];
  const texts: string[] = [];
  const textKind =
    chain.kind === 'plain' ||
    chain.kind === 'contains' ||
    chain.kind === 'startswith' ||
    chain.kind === 'endswith';
  for (const { value, pos } of values) {
    if (value === null) {
      if (chain.kind !== 'plain') throw new ValueError(pos, `null does not take '${chain.kind}'`);
      tests.push((event) => !accessor.exists(event) || accessor.some(event, (v) => v === null));
      continue;
    }
    // Without |all, text values are OR-ed into one pattern test, compiled below.
    if (!chain.all && textKind && (chain.kind !== 'plain' || typeof value === 'string')) {
      texts.push(String(value));
      continue;
    }
    const test = valueTest(chain, value, pos, accessor);
    if (chain.all) tests.push((event) => accessor.some(event, test));
    else valueTests.push(test);
  }
  if (texts.length > 0) {
    const anchoring: Anchoring = chain.kind === 'plain' ? 'whole' : (chain.kind as Anchoring);
    valueTests.push(textTest(compilePatterns(texts, anchoring), accessor));
  }
  if (valueTests.length > 0) {
    const any = anyOf(valueTests);
    tests.push((event) => accessor.some(event, any));
  }
  return chain.all ? allOfEvent(tests) : anyOfEvent(tests);
}

/** Compiles keyword search: the values are looked for in every string of the event. */
export function compileKeywords(chain: ModifierChain, node: YNode, source: KeywordSource): EventTest {
  const values = scalarsOf(node);
  const tests = values.map(({ value, pos }) => {
    if (value === null || typeof value === 'boolean') throw new ValueError(pos, 'a keyword must be text');
    const text = String(value);
    if (chain.kind === 're') {
      const regex = compileRegex(text, chain.flags, pos);
      return (event: unknown) => source(event).raw.some((s) => regex.test(s));
    }
    const anchoring: Anchoring = chain.kind === 'plain' ? 'contains' : (chain.kind as Anchoring);
    const pattern = compilePattern(text, anchoring);
    return (event: unknown) => source(event).lower.some(pattern);
  });
  return chain.all ? allOfEvent(tests) : anyOfEvent(tests);
}

function valueTest(chain: ModifierChain, value: string | number | boolean, pos: Pos, field: FieldAccessor) {
  const kind: ValueKind = chain.kind;
  if (kind === 'plain' && typeof value === 'number') return numberEquals(value);
  if (kind === 'plain' && typeof value === 'boolean') return booleanEquals(value);
  if (kind === 'plain' || kind === 'contains' || kind === 'startswith' || kind === 'endswith') {
    return textTest(compilePattern(String(value), kind === 'plain' ? 'whole' : kind), field);
  }
  if (kind === 're') {
    const regex = compileRegex(String(value), chain.flags, pos);
    return (v: unknown) => (typeof v === 'string' ? regex.test(v) : isScalarText(v) && regex.test(String(v)));
  }
  if (kind === 'cidr') return cidrTest(String(value), pos, field);
  const bound = asNumber(value);
  if (bound === undefined || Number.isNaN(bound)) throw new ValueError(pos, `'${kind}' takes a number`);
  switch (kind) {
    case 'gt':
      return (v: unknown) => (asNumber(v) ?? Number.NaN) > bound;
    case 'gte':
      return (v: unknown) => (asNumber(v) ?? Number.NaN) >= bound;
    case 'lt':
      return (v: unknown) => (asNumber(v) ?? Number.NaN) < bound;
    default:
      return (v: unknown) => (asNumber(v) ?? Number.NaN) <= bound;
  }
}

function isScalarText(v: unknown): v is number | boolean {
  return typeof v === 'number' || typeof v === 'boolean';
}

/** A text pattern applied to strings (lower-cased through the field's memory) and to scalars' text. */
function textTest(pattern: TextTest, field: FieldAccessor): ValueTest {
  return (v) => {
    if (typeof v === 'string') return pattern(field.lower(v));
    return isScalarText(v) && pattern(String(v).toLowerCase());
  };
}

function numberEquals(n: number): ValueTest {
  const text = String(n);
  return (v) => v === n || (typeof v === 'string' && v === text);
}

function booleanEquals(b: boolean): ValueTest {
  const text = String(b);
  return (v) => v === b || (typeof v === 'string' && v.toLowerCase() === text);
}

/**
 * Sigma's `re` is PCRE-flavoured; JavaScript reads the same basic syntax. A leading inline flag
 * group (`(?i)`), common in SigmaHQ rules, becomes a flag; other PCRE-only syntax is an error.
 */
export function compileRegex(source: string, flags: string, pos: Pos): RegExp {
  let body = source;
  let all = flags;
  const inline = /^\(\?([ims]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const flag of inline[1] as string) if (!all.includes(flag)) all += flag;
  }
  try {
    return new RegExp(body, all);
  } catch (error) {
    throw new ValueError(pos, `regular expression not valid in JavaScript: ${(error as Error).message}`);
  }
}

/** `cidr`: an IPv4 or IPv6 network; event values are address text. */
function cidrTest(network: string, pos: Pos, field: FieldAccessor): ValueTest {
  const slash = network.indexOf('/');
  const address = parseIp(slash < 0 ? network : network.slice(0, slash));
  const prefixText = slash < 0 ? undefined : network.slice(slash + 1);
  if (!address || (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText))) {
    throw new ValueError(pos, `'${network}' is not a CIDR network`);
  }
  const mapped = address.version === 4 && network.includes(':');
  let prefix = prefixText === undefined ? (address.version === 4 && !mapped ? 32 : 128) : Number(prefixText);
  if (mapped) prefix -= 96;
  if (prefix < 0 || prefix > (address.version === 4 ? 32 : 128)) {
    throw new ValueError(pos, `'${network}' has a prefix length out of range`);
  }
  if (address.version === 4) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const net = (address.value & mask) >>> 0;
    return (v) => {
      if (typeof v !== 'string') return false;
      const ip = field.ip(v);
      return ip?.version === 4 && (ip.value & mask) >>> 0 === net;
    };
  }
  const masks = [0, 1, 2, 3].map((w) => {
    const bits = Math.max(0, Math.min(32, prefix - w * 32));
    return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  });
  const net = masks.map((mask, w) => ((address.words[w] as number) & mask) >>> 0);
  return (v) => {
    if (typeof v !== 'string') return false;
    const ip = field.ip(v);
    if (ip?.version !== 6) return false;
    for (let w = 0; w < 4; w++) {
      if (((ip.words[w] as number) & (masks[w] as number)) >>> 0 !== net[w]) return false;
    }
    return true;
  };
}

function anyOf(tests: ValueTest[]): ValueTest {
  if (tests.length === 1) return tests[0] as ValueTest;
  return (v) => {
    for (const test of tests) if (test(v)) return true;
    return false;
  };
}

/** OR of event tests, unrolled for the common small cases. */
export function anyOfEvent(tests: EventTest[]): EventTest {
  const [a, b] = tests;
  if (tests.length === 0) return () => false;
  if (tests.length === 1) return a as EventTest;
  if (tests.length === 2) return (e) => (a as EventTest)(e) || (b as EventTest)(e);
  return (e) => {
    for (const test of tests) if (test(e)) return true;
    return false;
  };
}

/** AND of event tests, unrolled for the common small cases. */
export function allOfEvent(tests: EventTest[]): EventTest {
  const [a, b] = tests;
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return a as EventTest;
  if (tests.length === 2) return (e) => (a as EventTest)(e) && (b as EventTest)(e);
  return (e) => {
    for (const test of tests) if (!test(e)) return false;
    return true;
  };
}
