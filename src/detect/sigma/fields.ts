import { type ParsedIp, parseIp } from '../../core/ip.js';

/**
 * Field access into events: a Sigma field name is a dotted path (`actor.user.uid`,
 * `unmapped.decision`); an array met on the way matches when any of its elements does. Paths are
 * split once, when a rule is compiled.
 */

/** Tests one value found at a path. */
export type ValueTest = (value: unknown) => boolean;

/** A compiled path, shared by every rule that names the same field. */
export interface FieldAccessor {
  readonly path: string;
  /** True when some value at the path passes the test (null included, absent excluded). */
  some(root: unknown, test: ValueTest): boolean;
  /** True when the path leads to any value, null included. */
  exists(root: unknown): boolean;
  /** The first scalar at the path, for group-by keys; undefined when there is none. */
  first(root: unknown): string | number | boolean | null | undefined;
  /**
   * Lower-cases a string found at this path. The last answer is remembered, so the many rules
   * that test the same field of one event lower-case it once.
   */
  lower(value: string): string;
  /** Parses an address found at this path, remembering the last answer as `lower` does. */
  ip(value: string): ParsedIp | undefined;
}

const always: ValueTest = () => true;

/** Names an object inherits; reading them needs an own-property check, others do not. */
const inherited = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Counts events: bumped once per event, it tells accessors that what they remember of the last
 * event no longer holds, even when the same object comes back changed.
 */
export interface Epoch {
  value: number;
}

/** Marks a path that met an array before its end: such a path has many values. */
const branching = Symbol('branching');

/**
 * Compiles a dotted path. An empty segment (`a..b`) is kept: it names the key `''`. With an
 * epoch, the value the path leads to is remembered for the current event, so the many rules
 * that test one field walk the path once.
 */
export function compilePath(path: string, epoch?: Epoch): FieldAccessor {
  const segments = path.split('.');
  const risky = segments.map((segment) => inherited.has(segment));
  let lastRaw = '';
  let lastLower = '';
  let lastIpText: string | undefined;
  let lastIp: ParsedIp | undefined;
  let memoRoot: unknown;
  let memoEpoch = -1;
  let memoValue: unknown;

  function step(node: object, index: number): unknown {
    const key = segments[index] as string;
    if (risky[index] && !Object.hasOwn(node, key)) return undefined;
    return (node as Record<string, unknown>)[key];
  }

  /** The one value at the path, undefined when absent, `branching` when an array is on the way. */
  function resolve(root: unknown): unknown {
    let current = root;
    for (let i = 0; i < segments.length; i++) {
      if (current === null || typeof current !== 'object') return undefined;
      if (Array.isArray(current)) return branching;
      current = step(current, i);
      if (current === undefined) return undefined;
    }
    return current;
  }

  function resolved(root: unknown): unknown {
    if (!epoch) return resolve(root);
    if (root !== memoRoot || epoch.value !== memoEpoch) {
      memoRoot = root;
      memoEpoch = epoch.value;
      memoValue = resolve(root);
    }
    return memoValue;
  }

  function some(root: unknown, test: ValueTest): boolean {
    const value = resolved(root);
    if (value === undefined) return false;
    if (value === branching) return visit(root, 0, test);
    if (Array.isArray(value)) {
      for (const element of value) if (element !== undefined && test(element)) return true;
      return false;
    }
    return test(value);
  }

  function visit(node: unknown, index: number, test: ValueTest): boolean {
    let current = node;
    for (let i = index; i < segments.length; i++) {
      if (current === null || typeof current !== 'object') return false;
      if (Array.isArray(current)) {
        // One level of array per segment; arrays of arrays are not followed, keeping depth bounded.
        for (const element of current) {
          if (element !== null && typeof element === 'object' && !Array.isArray(element)) {
            if (visit(element, i, test)) return true;
          }
        }
        return false;
      }
      current = step(current, i);
      if (current === undefined) return false;
    }
    if (Array.isArray(current)) {
      for (const element of current) if (element !== undefined && test(element)) return true;
      return false;
    }
    return test(current);
  }

  let found: string | number | boolean | null | undefined;
  const keep: ValueTest = (value) => {
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      found = value;
      return true;
    }
    return false;
  };

  return {
    path,
    some,
    exists: (root) => some(root, always),
    first(root) {
      found = undefined;
      some(root, keep);
      return found;
    },
    lower(value) {
      if (value !== lastRaw) {
        lastRaw = value;
        lastLower = value.toLowerCase();
      }
      return lastLower;
    },
    ip(value) {
      if (value !== lastIpText) {
        lastIpText = value;
        lastIp = parseIp(value);
      }
      return lastIp;
    },
  };
}

/** Interns accessors so rules naming the same field share one (and its memories). */
export function createFieldTable(epoch: Epoch): (path: string) => FieldAccessor {
  const table = new Map<string, FieldAccessor>();
  return (path) => {
    let accessor = table.get(path);
    if (!accessor) {
      accessor = compilePath(path, epoch);
      table.set(path, accessor);
    }
    return accessor;
  };
}

/**
 * Collects the strings of an event for keyword search, breadth first so that top-level fields
 * (`message`) come before deep ones; bounded in depth, in strings kept and in values visited.
 */
export function collectStrings(root: unknown, maxDepth = 16, maxStrings = 4096): string[] {
  const out: string[] = [];
  let level: unknown[] = [root];
  let visited = 0;
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const node of level) {
      if (out.length >= maxStrings || ++visited > maxStrings * 4) return out;
      if (typeof node === 'string') out.push(node);
      else if (node !== null && typeof node === 'object') {
        const room = maxStrings * 4 - visited - next.length;
        if (Array.isArray(node)) {
          for (let i = 0; i < node.length && i < room; i++) next.push(node[i]);
        } else {
          let taken = 0;
          for (const key in node) {
            if (taken++ >= room) break;
            if (Object.hasOwn(node, key)) next.push((node as Record<string, unknown>)[key]);
          }
        }
      }
    }
    level = next;
  }
  return out;
}
