/**
 * RFC 9162 (RFC 6962) Merkle trees over SHA-256: proof verification, and proof generation from a
 * store of perfect-subtree hashes. Pure and dependency-free apart from node:crypto, because
 * outside auditors import it through `custos/ledger`.
 *
 * Indices and sizes are JavaScript numbers and must be safe integers: 2^53 - 1 leaves is beyond any
 * log this will run, and refusing larger values is safer than rounding them.
 */
import { CustosError } from '../core/errors.js';
import { bytesEqual, toHex } from './bytes.js';
import { emptyRoot } from './merkle.hash.js';
import {
  assertCount,
  assertHash,
  assertHashes,
  assertRangeCount,
  bitLength,
  checkSeededPath,
  climb,
  invalidProof,
  invalidRange,
  type NodeReader,
  pathPlan,
  pathSteps,
  resolve,
  type Span,
  spanOf,
  trailingZeros,
} from './merkle.path.js';

export { emptyRoot, HASH_SIZE, hashChildren, hashLeaf, rootFromLeafHashes } from './merkle.hash.js';
export type { NodeReader } from './merkle.path.js';

/** A perfect subtree, addressed as NodeReader addresses it. */
export interface SubtreeHash {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

/** The root that an inclusion proof leads to, or a CustosError when the proof has the wrong shape. */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  assertCount('leaf index', index);
  assertCount('tree size', size);
  if (index >= size) throw invalidProof(`leaf index ${index} is outside a tree of size ${size}`);
  assertHash('leaf hash', leafHash);
  assertHashes(proof);
  const steps = pathSteps(index, size - 1);
  if (proof.length !== steps.length) {
    throw invalidProof(
      `inclusion proof for leaf ${index} in a tree of size ${size} must have ${steps.length} hashes, got ${proof.length}`,
    );
  }
  return climb(leafHash, steps, proof);
}

/** Checks that `leafHash` is leaf `index` of the tree of `size` with `root`; throws on failure. */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  assertHash('expected root', root);
  const calculated = rootFromInclusionProof(index, size, leafHash, proof);
  if (!bytesEqual(calculated, root)) {
    throw invalidProof(
      `inclusion proof for leaf ${index} in a tree of size ${size} does not lead to the expected root`,
      { calculatedRoot: toHex(calculated), expectedRoot: toHex(root) },
    );
  }
}

/**
 * Checks that the tree of `size1` leaves with `root1` is a prefix of the tree of `size2` with
 * `root2`; throws on failure. Like transparency-dev/merkle, size1 = 0 is refused: an empty tree
 * is consistent with everything, so protocols that allow it (tlog-witness) handle it before this.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  assertCount('size1', size1);
  assertCount('size2', size2);
  if (size2 < size1) throw invalidProof(`size1 (${size1}) is larger than size2 (${size2})`);
  if (size1 === 0) throw invalidProof('a consistency proof from an empty tree (size1 = 0) proves nothing');
  if (size1 === size2) {
    if (proof.length > 0) {
      throw invalidProof(
        `sizes are equal (${size1}), so the proof must be empty; it has ${proof.length} hashes`,
      );
    }
    if (!bytesEqual(root1, root2)) throw invalidProof(`sizes are equal (${size1}) but the roots differ`);
    return;
  }
  // The seed is the old tree's last perfect subtree; when size1 is a power of two it is root1
  // itself and the proof omits it.
  const level = trailingZeros(size1);
  const index = size1 / 2 ** level - 1;
  const label = `consistency proof from size ${size1} to ${size2}`;
  checkSeededPath(
    { level, index, seeded: index !== 0, topLevel: bitLength(size1 - 1), size: size2, label },
    proof,
    root1,
    root2,
  );
}

function holds(check: () => void): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof CustosError) return false;
    throw error;
  }
}

/** Boolean form of verifyInclusion. */
export function isValidInclusion(...args: Parameters<typeof verifyInclusion>): boolean {
  return holds(() => verifyInclusion(...args));
}

/** Boolean form of verifyConsistency. */
export function isValidConsistency(...args: Parameters<typeof verifyConsistency>): boolean {
  return holds(() => verifyConsistency(...args));
}

/**
 * RFC 9162 inclusion proof for leaf `index` in the tree of `size` leaves. `folds` may carry
 * right-edge hashes between proofs of the same tree (never between trees of different sizes).
 */
export async function inclusionProof(
  index: number,
  size: number,
  read: NodeReader,
  folds?: Map<string, Uint8Array>,
): Promise<Uint8Array[]> {
  assertRangeCount('leaf index', index);
  assertRangeCount('tree size', size);
  if (index >= size) throw invalidRange(`leaf index ${index} is outside a tree of size ${size}`);
  return resolve(pathPlan(0, index, size), read, folds);
}

/** RFC 9162 consistency proof from `size1` to `size2` leaves; empty when size1 is 0 or equals size2. */
export async function consistencyProof(
  size1: number,
  size2: number,
  read: NodeReader,
): Promise<Uint8Array[]> {
  assertRangeCount('size1', size1);
  assertRangeCount('size2', size2);
  if (size1 > size2) throw invalidRange(`size1 (${size1}) is larger than size2 (${size2})`);
  if (size1 === 0 || size1 === size2) return [];
  const level = trailingZeros(size1);
  const index = size1 / 2 ** level - 1;
  const seed: Span[] = index === 0 ? [] : [[[level, index]]];
  return resolve([...seed, ...pathPlan(level, index, size2)], read);
}

/** MTH of the first `size` leaves, folded from the perfect subtrees that compose them. */
export async function treeRoot(size: number, read: NodeReader): Promise<Uint8Array> {
  assertRangeCount('tree size', size);
  if (size === 0) return emptyRoot();
  const [root] = await resolve([spanOf(0, size)], read);
  return root as Uint8Array;
}

/** The perfect subtrees, largest first, whose hashes make up the compact range of [0, size). */
export function compactRangeNodes(size: number): { level: number; index: number }[] {
  assertRangeCount('tree size', size);
  return spanOf(0, size).map(([level, index]) => ({ level, index }));
}
