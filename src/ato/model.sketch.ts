/**
 * Small fixed-memory summaries behind the global distribution (model.global.ts): a count-min
 * sketch with conservative update for the counts of the long tail, and a HyperLogLog for how many
 * distinct values there are. Both merge by cell, so nodes can pool their counts.
 */

// The two hashes of the last string hashed. Module state rather than a returned pair, so hashing
// allocates nothing; callers use them at once, and JavaScript runs one call at a time.
let hashA = 0;
let hashB = 0;

function finalMix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hashes a string into two independent 32-bit values (FNV-1a and a multiply-xorshift), kept in hashA/hashB. */
export function hashValue(value: string): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    b ^= b >>> 15;
  }
  hashA = finalMix(a);
  // Odd, so the rows' positions hashA + i·hashB never coincide for a power-of-two width.
  hashB = (finalMix(b ^ value.length) | 1) >>> 0;
}

const maxCell = 0xffffffff;
const scratch = new Uint32Array(16);

/**
 * A count-min sketch (Cormode and Muthukrishnan 2005): `depth` rows of `width` counters; a
 * value's estimate is the least of its counters, never below its true count. With conservative
 * update only the counters at the minimum grow, which cuts the overestimate on skewed data.
 * Error: at most e·N/width over the true count with probability 1 − e^−depth.
 */
export class CountMinSketch {
  readonly cells: Uint32Array;

  constructor(
    readonly width: number,
    readonly depth: number,
    cells?: Uint32Array,
  ) {
    if (!Number.isInteger(Math.log2(width)) || depth < 1 || depth > scratch.length) {
      throw new RangeError('the sketch width must be a power of two and its depth 1 to 16');
    }
    this.cells = cells ?? new Uint32Array(width * depth);
  }

  /** Adds `count` to the value hashed last (hashValue). */
  addHashed(count: number): void {
    const mask = this.width - 1;
    let least = maxCell;
    for (let row = 0; row < this.depth; row++) {
      const at = row * this.width + ((hashA + Math.imul(row, hashB)) & mask);
      scratch[row] = at;
      const cell = this.cells[at] as number;
      if (cell < least) least = cell;
    }
    const target = Math.min(maxCell, least + count);
    for (let row = 0; row < this.depth; row++) {
      const at = scratch[row] as number;
      if ((this.cells[at] as number) < target) this.cells[at] = target;
    }
  }

  /** The estimated count of the value hashed last. */
  estimateHashed(): number {
    const mask = this.width - 1;
    let least = maxCell;
    for (let row = 0; row < this.depth; row++) {
      const cell = this.cells[row * this.width + ((hashA + Math.imul(row, hashB)) & mask)] as number;
      if (cell < least) least = cell;
    }
    return least;
  }

  add(value: string, count: number): void {
    hashValue(value);
    this.addHashed(count);
  }

  estimate(value: string): number {
    hashValue(value);
    return this.estimateHashed();
  }

  /** Adds another sketch of the same shape, cell by cell (saturating). */
  merge(other: CountMinSketch): void {
    for (let i = 0; i < this.cells.length; i++) {
      this.cells[i] = Math.min(maxCell, (this.cells[i] as number) + (other.cells[i] as number));
    }
  }
}

/**
 * A HyperLogLog distinct counter (Flajolet et al. 2007) with 2^precision one-byte registers;
 * standard error 1.04/√(2^precision), 1.6 % at precision 12 (4 KiB).
 */
export class DistinctCounter {
  readonly registers: Uint8Array;
  // Σ 2^−register and the empty registers, kept current so an estimate costs no pass.
  private sum = 0;
  private zeros = 0;

  constructor(
    readonly precision: number,
    registers?: Uint8Array,
  ) {
    if (!Number.isInteger(precision) || precision < 4 || precision > 18) {
      throw new RangeError('the distinct counter precision must be 4 to 18');
    }
    this.registers = registers ?? new Uint8Array(1 << precision);
    this.recount();
  }

  private recount(): void {
    this.sum = 0;
    this.zeros = 0;
    for (const r of this.registers) {
      this.sum += 2 ** -r;
      if (r === 0) this.zeros++;
    }
  }

  /** Counts the value hashed last. */
  addHashed(): void {
    const at = hashA >>> (32 - this.precision);
    const rank = Math.clz32(hashB) + 1;
    const old = this.registers[at] as number;
    if (rank <= old) return;
    this.registers[at] = rank;
    this.sum += 2 ** -rank - 2 ** -old;
    if (old === 0) this.zeros--;
  }

  add(value: string): void {
    hashValue(value);
    this.addHashed();
  }

  estimate(): number {
    const m = this.registers.length;
    const alpha = 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / this.sum;
    // Small range: linear counting is the better estimate while registers are still empty.
    return raw <= 2.5 * m && this.zeros > 0 ? m * Math.log(m / this.zeros) : raw;
  }

  /** Takes the larger register of each pair: the union of both sets. */
  merge(other: DistinctCounter): void {
    if (other.precision !== this.precision) {
      throw new RangeError(
        'the distinct counters to merge differ in precision: the nodes are configured differently',
      );
    }
    for (let i = 0; i < this.registers.length; i++) {
      const r = other.registers[i] as number;
      if (r > (this.registers[i] as number)) this.registers[i] = r;
    }
    this.recount();
  }
}
