/**
 * Seeded randomness for the simulator. Each actor draws from its own stream, forked by name from
 * the run's seed, so what one actor does never shifts another's draws: the same seed gives the
 * same population and, against the same answers, the same events.
 */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** An integer in [min, max). */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** One item, with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T;
  /** An exponential wait with this mean. */
  exponential(mean: number): number;
  poisson(mean: number): number;
  /** `bytes` random bytes as lowercase hex. */
  hex(bytes: number): string;
  /** An independent stream named `label`, the same whenever it is asked for. */
  fork(label: string): Random;
}

/** 32-bit FNV-1a of a string, to turn names into seeds. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** splitmix32: spreads one 32-bit seed over the generator's four words of state. */
function splitmix(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/** A stream of random numbers from `seed` (sfc32: small, fast and good enough for simulation). */
export function createRandom(seed: number | string): Random {
  const name = String(seed);
  const spread = splitmix(hashText(name));
  let a = spread();
  let b = spread();
  let c = spread();
  let d = spread();
  const nextWord = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  // The first outputs of a fresh sfc32 are correlated with the seed.
  for (let i = 0; i < 12; i += 1) nextWord();

  const random: Random = {
    next: () => nextWord() / 4294967296,
    between: (min, max) => min + random.next() * (max - min),
    int: (min, max) => min + Math.floor(random.next() * (max - min)),
    chance: (probability) => random.next() < probability,
    pick: (items) => items[Math.floor(random.next() * items.length)] as (typeof items)[number],
    weighted(items, weight) {
      const total = items.reduce((sum, item) => sum + weight(item), 0);
      let at = random.next() * total;
      for (const item of items) {
        at -= weight(item);
        if (at < 0) return item;
      }
      return items[items.length - 1] as (typeof items)[number];
    },
    exponential: (mean) => -Math.log(1 - random.next()) * mean,
    poisson(mean) {
      // Knuth's method: the means here are small (a few logins a day).
      const limit = Math.exp(-mean);
      let k = 0;
      let product = random.next();
      while (product > limit) {
        k += 1;
        product *= random.next();
      }
      return k;
    },
    hex(bytes) {
      let out = '';
      for (let i = 0; i < bytes; i += 1) out += random.int(0, 256).toString(16).padStart(2, '0');
      return out;
    },
    fork: (label) => createRandom(`${name}/${label}`),
  };
  return random;
}
