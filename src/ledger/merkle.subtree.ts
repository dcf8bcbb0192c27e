/**
 * Subtrees of a Merkle tree as the Merkle Tree Certificates draft (draft-ietf-plants-merkle-tree-certs)
 * defines them: ranges [start, end) that are either a prefix of the tree or aligned so that they
 * hash like a tree of their own. Used by subtree cosignatures; optional for plain checkpoints.
 */
import { bytesEqual } from './bytes.js';
import { emptyRoot } from './merkle.hash.js';
import { verifyInclusion } from './merkle.js';
import {
  assertCount,
  assertRangeCount,
  bitLength,
  checkSeededPath,
  invalidProof,
  invalidRange,
  isPowerOfTwo,
  type NodeReader,
  pathPlan,
  resolve,
  type SeededPath,
  type Span,
  spanOf,
  trailingZeros,
} from './merkle.path.js';

/** True when [start, end) is a subtree: empty, a prefix, or start is a multiple of bit_ceil(end - start). */
export function isValidSubtree(start: number, end: number): boolean {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end) return false;
  return start === 0 || start === end || start % 2 ** bitLength(end - start - 1) === 0;
}

/** Where the consistency proof of a non-empty subtree that is not the whole tree starts. */
function subtreeLayout(start: number, end: number, size: number): SeededPath {
  const width = end - start;
  const top = bitLength(width - 1);
  const label = `subtree consistency proof for [${start}, ${end}) in a tree of size ${size}`;
  // On the right edge the subtree is itself a node of the tree (maybe an incomplete one): the
  // proof is only its path. Elsewhere it starts from the subtree's last perfect subtree.
  if (end === size) return { level: top, index: start / 2 ** top, seeded: false, topLevel: top, size, label };
  const level = trailingZeros(width);
  return { level, index: end / 2 ** level - 1, seeded: !isPowerOfTwo(width), topLevel: top, size, label };
}

function assertSubtree(start: number, end: number, fail: (message: string) => Error): void {
  if (start > end) throw fail(`subtree start ${start} is after its end ${end}`);
  if (!isValidSubtree(start, end)) throw fail(`[${start}, ${end}) is not a valid subtree`);
}

/** Checks that `leafHash` is leaf `index` of the subtree [start, end) with `subtreeRoot`; throws on failure. */
export function verifySubtreeInclusion(
  index: number,
  start: number,
  end: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
): void {
  for (const [name, value] of [
    ['leaf index', index],
    ['start', start],
    ['end', end],
  ] as const) {
    assertCount(name, value);
  }
  assertSubtree(start, end, invalidProof);
  if (index < start || index >= end) throw invalidProof(`leaf index ${index} is outside [${start}, ${end})`);
  // An aligned subtree hashes exactly like a tree of end - start leaves.
  verifyInclusion(index - start, end - start, leafHash, proof, subtreeRoot);
}

/** Checks that the subtree [start, end) with `subtreeRoot` is part of the tree of `size` with `root`. */
export function verifySubtreeConsistency(
  start: number,
  end: number,
  size: number,
  proof: readonly Uint8Array[],
  subtreeRoot: Uint8Array,
  root: Uint8Array,
): void {
  for (const [name, value] of [
    ['start', start],
    ['end', end],
    ['tree size', size],
  ] as const) {
    assertCount(name, value);
  }
  assertSubtree(start, end, invalidProof);
  if (end > size) throw invalidProof(`subtree end ${end} is beyond the tree size ${size}`);
  if (start === end || (start === 0 && end === size)) {
    if (proof.length > 0)
      throw invalidProof(`the proof for [${start}, ${end}) in size ${size} must be empty`);
    // An empty subtree is part of every tree; its root must still be the empty root.
    const expected = start === end ? emptyRoot() : root;
    if (!bytesEqual(subtreeRoot, expected))
      throw invalidProof(`subtree root of [${start}, ${end}) does not match`);
    return;
  }
  checkSeededPath(subtreeLayout(start, end, size), proof, subtreeRoot, root);
}

/** Inclusion proof of leaf `index` within the subtree [start, end). */
export async function subtreeInclusionProof(
  index: number,
  start: number,
  end: number,
  read: NodeReader,
): Promise<Uint8Array[]> {
  for (const [name, value] of [
    ['leaf index', index],
    ['start', start],
    ['end', end],
  ] as const) {
    assertRangeCount(name, value);
  }
  assertSubtree(start, end, invalidRange);
  if (index < start || index >= end) throw invalidRange(`leaf index ${index} is outside [${start}, ${end})`);
  const offset = (level: number) => start / 2 ** level;
  const plan = pathPlan(0, index - start, end - start).map((span) =>
    span.map(([level, i]) => [level, i + offset(level)] as const),
  );
  return resolve(plan, read);
}

/** Consistency proof of the subtree [start, end) with the tree of `size` leaves. */
export async function subtreeConsistencyProof(
  start: number,
  end: number,
  size: number,
  read: NodeReader,
): Promise<Uint8Array[]> {
  for (const [name, value] of [
    ['start', start],
    ['end', end],
    ['tree size', size],
  ] as const) {
    assertRangeCount(name, value);
  }
  assertSubtree(start, end, invalidRange);
  if (end > size) throw invalidRange(`subtree end ${end} is beyond the tree size ${size}`);
  if (start === end || (start === 0 && end === size)) return [];
  const { level, index, seeded } = subtreeLayout(start, end, size);
  const seed: Span[] = seeded ? [[[level, index]]] : [];
  return resolve([...seed, ...pathPlan(level, index, size)], read);
}

/** Root hash of the subtree [start, end). */
export async function subtreeRoot(start: number, end: number, read: NodeReader): Promise<Uint8Array> {
  assertRangeCount('start', start);
  assertRangeCount('end', end);
  assertSubtree(start, end, invalidRange);
  if (start === end) return emptyRoot();
  const [root] = await resolve([spanOf(start, end - start)], read);
  return root as Uint8Array;
}
