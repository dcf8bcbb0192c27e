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
}

const always: ValueTest = () => true;

/** Names an object inherits; reading them needs an own-property check, others do not. */
const inherited = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Compiles a dotted path. An empty segment (`a..b`) is kept: it names the key `''`. */
export function compilePath(path: string): FieldAccessor {
  const segments = path.split('.');
  const risky = segments.map((segment) => inherited.has(segment));
  let lastRaw = '';
  let lastLower = '';

  function step(node: object, index: number): unknown {
    const key = segments[index] as string;
    if (risky[index] && !Object.hasOwn(node, key)) return undefined;
    return (node as Record<string, unknown>)[key];
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
    some: (root, test) => visit(root, 0, test),
    exists: (root) => visit(root, 0, always),
    first(root) {
      found = undefined;
      visit(root, 0, keep);
      return found;
    },
    lower(value) {
      if (value !== lastRaw) {
        lastRaw = value;
        lastLower = value.toLowerCase();
      }
      return lastLower;
    },
  };
}

/** Interns accessors so rules naming the same field share one (and its lower-case memory). */
export function createFieldTable(): (path: string) => FieldAccessor {
  const table = new Map<string, FieldAccessor>();
  return (path) => {
    let accessor = table.get(path);
    if (!accessor) {
      accessor = compilePath(path);
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
