/**
 * A compact range: the roots of the perfect subtrees along the right edge of a growing tree. It is
 * O(log n) state, enough to append leaves and compute the root without reading old nodes.
 */
import { CustosError } from '../core/errors.js';
import {
  compactRangeNodes,
  emptyRoot,
  HASH_SIZE,
  hashChildren,
  type NodeReader,
  type SubtreeHash,
} from './merkle.js';

/** Appends leaf hashes to a tree held as its compact range; synchronous and in memory. */
export class CompactRange {
  #size: number;
  // Perfect-subtree roots, largest (leftmost) first: one per set bit of #size.
  readonly #hashes: Uint8Array[];

  /** Resumes a range from its size and the hashes listed by compactRangeNodes(size). */
  constructor(size = 0, hashes: readonly Uint8Array[] = []) {
    const nodes = compactRangeNodes(size);
    if (hashes.length !== nodes.length) {
      throw new CustosError(
        'ledger.invalid_range',
        `a compact range of size ${size} holds ${nodes.length} hashes, got ${hashes.length}`,
      );
    }
    for (const hash of hashes) {
      if (hash.length !== HASH_SIZE) {
        throw new CustosError('ledger.invalid_range', `compact range hash is ${hash.length} bytes`);
      }
    }
    this.#size = size;
    this.#hashes = hashes.map((hash) => Uint8Array.from(hash));
  }

  /** Loads the compact range of a stored tree of `size` leaves. */
  static async load(size: number, read: NodeReader): Promise<CompactRange> {
    const hashes = await Promise.all(compactRangeNodes(size).map(({ level, index }) => read(level, index)));
    return new CompactRange(size, hashes);
  }

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** The perfect-subtree roots, largest first (copies). */
  get hashes(): Uint8Array[] {
    return this.#hashes.map((hash) => Uint8Array.from(hash));
  }

  /**
   * Appends one leaf hash and returns every perfect subtree it completes, the leaf itself first,
   * so that the caller can persist exactly the nodes a NodeReader will later be asked for.
   */
  append(leafHash: Uint8Array): SubtreeHash[] {
    if (leafHash.length !== HASH_SIZE) {
      throw new CustosError(
        'ledger.invalid_range',
        `leaf hash is ${leafHash.length} bytes, not ${HASH_SIZE}`,
      );
    }
    if (this.#size >= Number.MAX_SAFE_INTEGER)
      throw new CustosError('ledger.invalid_range', 'the tree is full');
    let hash: Uint8Array = Uint8Array.from(leafHash);
    let level = 0;
    let index = this.#size;
    const completed: SubtreeHash[] = [{ level, index, hash }];
    // Binary increment: each trailing one bit of the old size is a subtree that now gains a twin.
    while (index % 2 === 1) {
      const left = this.#hashes.pop() as Uint8Array;
      hash = hashChildren(left, hash);
      level++;
      index = (index - 1) / 2;
      completed.push({ level, index, hash });
    }
    this.#hashes.push(hash);
    this.#size++;
    return completed;
  }

  /** The Merkle tree hash of all leaves appended so far. */
  root(): Uint8Array {
    if (this.#hashes.length === 0) return emptyRoot();
    return this.#hashes.reduceRight((right, left) => hashChildren(left, right));
  }
}
