/**
 * Sigma string values: `*` and `?` wildcards with backslash escapes, matched without regard to
 * case. A pattern is compiled once into the cheapest test that decides it (equality, prefix,
 * suffix, substring), and only patterns with inner wildcards use the general matcher.
 */

/** A wildcard in a parsed pattern; literal text is kept as strings. */
const star = 0;
const one = 1;
type Token = string | typeof star | typeof one;

/**
 * Splits a Sigma value into literal text and wildcards. A backslash escapes `*`, `?` and itself;
 * before anything else it is a plain backslash (so `C:\Windows` needs no doubling).
 */
export function tokenize(value: string): Token[] {
  const tokens: Token[] = [];
  let literal = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\') {
      const next = value[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        literal += next;
        i++;
      } else {
        literal += c;
      }
    } else if (c === '*' || c === '?') {
      if (literal) tokens.push(literal);
      literal = '';
      // Consecutive stars are one star.
      if (c === '?' || tokens[tokens.length - 1] !== star) tokens.push(c === '*' ? star : one);
    } else {
      literal += c;
    }
  }
  if (literal) tokens.push(literal);
  return tokens;
}

/** Where a modifier puts implicit stars around the value. */
export type Anchoring = 'whole' | 'contains' | 'startswith' | 'endswith';

/** Tests an already lower-cased string. */
export type TextTest = (lower: string) => boolean;

/** Compiles a Sigma value, with the stars its modifier implies, into a test on lower-cased text. */
export function compilePattern(value: string, anchoring: Anchoring): TextTest {
  return compilePatterns([value], anchoring);
}

function anchored(value: string, anchoring: Anchoring): Token[] {
  const tokens = tokenize(value).map((token) => (typeof token === 'string' ? token.toLowerCase() : token));
  if (anchoring === 'contains' || anchoring === 'endswith') {
    if (tokens[0] !== star) tokens.unshift(star);
  }
  if (anchoring === 'contains' || anchoring === 'startswith') {
    if (tokens[tokens.length - 1] !== star) tokens.push(star);
  }
  return tokens;
}

/**
 * Compiles values OR-ed together (a list under one field) into one test: exact values become
 * one set lookup, and prefixes, suffixes and substrings one loop each, rather than a closure
 * per value.
 */
export function compilePatterns(values: readonly string[], anchoring: Anchoring): TextTest {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const infixes: string[] = [];
  const parts: TextTest[] = [];
  for (const value of values) {
    const tokens = anchored(value, anchoring);
    const [a, b, c] = tokens;
    if (tokens.length === 0) exact.add('');
    else if (tokens.length === 1 && typeof a === 'string') exact.add(a);
    else if (tokens.length === 1 && a === star) return () => true;
    else if (tokens.length === 2 && typeof a === 'string' && b === star) prefixes.push(a);
    else if (tokens.length === 2 && a === star && typeof b === 'string') suffixes.push(b);
    else if (tokens.length === 3 && a === star && typeof b === 'string' && c === star) infixes.push(b);
    else parts.push(general(tokens));
  }
  if (exact.size === 1) {
    const [only] = exact;
    parts.unshift((s) => s === only);
  } else if (exact.size > 1) parts.unshift((s) => exact.has(s));
  if (prefixes.length > 0) parts.push(loop(prefixes, (s, x) => s.startsWith(x)));
  if (suffixes.length > 0) parts.push(loop(suffixes, (s, x) => s.endsWith(x)));
  if (infixes.length > 0) parts.push(loop(infixes, (s, x) => s.includes(x)));
  if (parts.length === 1) return parts[0] as TextTest;
  return (s) => {
    for (const part of parts) if (part(s)) return true;
    return false;
  };
}

function loop(needles: string[], test: (s: string, needle: string) => boolean): TextTest {
  const [first] = needles as [string];
  if (needles.length === 1) return (s) => test(s, first);
  return (s) => {
    for (const needle of needles) if (test(s, needle)) return true;
    return false;
  };
}

/**
 * The general case, by the classic greedy algorithm with one backtrack point at the last star:
 * O(text × pattern) at worst, linear in practice, and never the exponential blow-up a naive
 * regular expression of several stars can have.
 */
function general(tokens: readonly Token[]): TextTest {
  // Expand literals to single characters so `?` and text advance alike.
  const units: (string | typeof star | typeof one)[] = [];
  for (const token of tokens) {
    if (typeof token === 'string') units.push(...token.split(''));
    else units.push(token);
  }
  return (s) => {
    let p = 0;
    let i = 0;
    let starAt = -1;
    let resumeAt = 0;
    while (i < s.length) {
      const unit = units[p];
      if (unit === one || (typeof unit === 'string' && unit === s[i])) {
        p++;
        i++;
      } else if (unit === star) {
        starAt = p++;
        resumeAt = i;
      } else if (starAt >= 0) {
        p = starAt + 1;
        i = ++resumeAt;
      } else {
        return false;
      }
    }
    while (units[p] === star) p++;
    return p === units.length;
  };
}

/** True when the value has a wildcard Sigma would expand (an unescaped `*` or `?`). */
export function hasWildcard(value: string): boolean {
  return tokenize(value).some((token) => typeof token !== 'string');
}
