/** A size-capped memo of lookups: the same IPs, numbers and user agents repeat heavily in traffic. */
export interface BoundedCache<V, K = string> {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  readonly size: number;
}

/**
 * Two generations of at most `capacity / 2` entries each: writes go to the young one; when it is
 * full, the old one is dropped and the young one becomes old; a hit in the old generation is
 * copied to the young one. Recently used keys survive, at most `capacity` are held, and every
 * operation is a Map call or two: cheaper than reordering a Map on each hit, as a strict LRU would.
 * A capacity of 0 remembers nothing.
 */
export function createBoundedCache<V, K = string>(capacity: number): BoundedCache<V, K> {
  const generation = Math.max(1, Math.floor(capacity / 2));
  let young = new Map<K, V>();
  let old = new Map<K, V>();

  function set(key: K, value: V): void {
    if (capacity <= 0) return;
    if (young.size >= generation) {
      old = young;
      young = new Map();
    }
    young.set(key, value);
  }

  return {
    get(key) {
      const hit = young.get(key);
      if (hit !== undefined) return hit;
      const aged = old.get(key);
      if (aged !== undefined) {
        old.delete(key);
        set(key, aged);
      }
      return aged;
    },
    set,
    get size() {
      return young.size + old.size;
    },
  };
}
