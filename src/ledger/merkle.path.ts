/**
 * Internal path arithmetic shared by the Merkle verifiers and generators (not part of the public
 * API). Numbers stay below 2^53, so bit operations are done with division: JavaScript's bitwise
 * operators truncate to 32 bits.
 */
import { CustosError } from '../core/errors.js';
import { bytesEqual, toHex } from './bytes.js';
import { HASH_SIZE, hashChildren } from './merkle.hash.js';

/**
 * Reads the hash of the perfect subtree of 2^level leaves that starts at leaf index * 2^level.
 * Proof generation only asks for subtrees that lie entirely inside the tree.
 */
/**
 * Reads the hash of the perfect subtree of 2^level leaves starting at leaf index·2^level. It may
 * answer synchronously when the hash is at hand (a warm cache), which spares a promise per node.
 */
export type NodeReader = (level: number, index: number) => Promise<Uint8Array> | Uint8Array;

export function shr(n: number, bits: number): number {
  return Math.floor(n / 2 ** bits);
}

export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

export function bitLength(n: number): number {
  let length = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) length++;
  return length;
}

export function trailingZeros(n: number): number {
  let zeros = 0;
  for (let rest = n; rest > 0 && !isOdd(rest); rest /= 2) zeros++;
  return zeros;
}

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** trailingZeros(n) === n;
}

/** One hash of a path: how many levels above the start node it sits, and on which side. */
export interface PathStep {
  readonly step: number;
  readonly left: boolean;
}

/**
 * The steps from node `index` up to the root, where `last` is the index of the tree's last node
 * at that level. Below the point where the path meets the right edge every level has a sibling;
 * above it only the levels where the node is a right child do, and those siblings are on the left.
 */
export function pathSteps(index: number, last: number): PathStep[] {
  const steps: PathStep[] = [];
  let step = 0;
  for (; shr(index, step) !== shr(last, step); step++) steps.push({ step, left: isOdd(shr(index, step)) });
  for (; shr(index, step) > 0; step++) if (isOdd(shr(index, step))) steps.push({ step, left: true });
  return steps;
}

/** Hashes `seed` up the path; `keep` selects the steps that take part (all by default). */
export function climb(
  seed: Uint8Array,
  steps: readonly PathStep[],
  proof: readonly Uint8Array[],
  keep: (step: PathStep) => boolean = () => true,
): Uint8Array {
  let hash = seed;
  steps.forEach((step, i) => {
    if (!keep(step)) return;
    const sibling = proof[i] as Uint8Array;
    hash = step.left ? hashChildren(sibling, hash) : hashChildren(hash, sibling);
  });
  return hash;
}

export function invalidProof(message: string, details?: Record<string, unknown>): CustosError {
  return new CustosError('ledger.invalid_proof', message, details);
}

export function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidProof(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

export function assertHash(name: string, hash: Uint8Array): void {
  if (hash.length !== HASH_SIZE) throw invalidProof(`${name} is ${hash.length} bytes, not ${HASH_SIZE}`);
}

export function assertHashes(proof: readonly Uint8Array[]): void {
  proof.forEach((hash, i) => {
    assertHash(`proof hash ${i}`, hash);
  });
}

/** The consistency proof layout shared by whole trees and subtrees. */
export interface SeededPath {
  /** The seed: the last perfect subtree of the old range, at (level, index) of the new tree. */
  readonly level: number;
  readonly index: number;
  /** False when the seed is the old range itself, which the proof then omits. */
  readonly seeded: boolean;
  /** Levels at and above this one lie outside the old range. */
  readonly topLevel: number;
  readonly size: number;
  readonly label: string;
}

/**
 * Checks a consistency proof: the seed (unless omitted) then the seed's path to the root of the
 * new tree. root1 is rebuilt from the seed and the left siblings inside the old range, root2 from
 * the whole path.
 */
export function checkSeededPath(
  layout: SeededPath,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  const { level, index, seeded, topLevel, size, label } = layout;
  assertHash('root1', root1);
  assertHash('root2', root2);
  assertHashes(proof);
  const steps = pathSteps(index, shr(size - 1, level));
  const expected = (seeded ? 1 : 0) + steps.length;
  if (proof.length !== expected) {
    throw invalidProof(`${label} must have ${expected} hashes, got ${proof.length}`);
  }
  const seed = (seeded ? proof[0] : root1) as Uint8Array;
  const path = proof.slice(seeded ? 1 : 0);
  const calculated1 = climb(seed, steps, path, (step) => step.left && level + step.step < topLevel);
  if (!bytesEqual(calculated1, root1)) {
    throw invalidProof(`${label} does not lead to root1`, {
      calculatedRoot: toHex(calculated1),
      expectedRoot: toHex(root1),
    });
  }
  const calculated2 = climb(seed, steps, path);
  if (!bytesEqual(calculated2, root2)) {
    throw invalidProof(`${label} does not lead to root2`, {
      calculatedRoot: toHex(calculated2),
      expectedRoot: toHex(root2),
    });
  }
}

export function invalidRange(message: string): CustosError {
  return new CustosError('ledger.invalid_range', message);
}

export function assertRangeCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidRange(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

// Proof generation. A proof hash is the root of a range of leaves; on the right edge of the tree
// that range is not a perfect subtree, so it is planned as the perfect subtrees composing it.
export type Span = readonly (readonly [level: number, index: number])[];

/** Perfect subtrees covering [start, start + count), largest first; start is aligned to them all. */
export function spanOf(start: number, count: number): Span {
  const span: [number, number][] = [];
  let position = start;
  for (let level = bitLength(count) - 1; level >= 0; level--) {
    if (isOdd(shr(count, level))) {
      span.push([level, position / 2 ** level]);
      position += 2 ** level;
    }
  }
  return span;
}

/** The sibling ranges on the path from node (level, index) to the root of a tree of `size` leaves. */
export function pathPlan(level: number, index: number, size: number): Span[] {
  return pathSteps(index, shr(size - 1, level)).map(({ step, left }) => {
    const at = level + step;
    const node = shr(index, step);
    if (left) return [[at, node - 1]];
    const start = (node + 1) * 2 ** at;
    return spanOf(start, Math.min(2 ** at, size - start));
  });
}

/**
 * Reads every subtree of the plan in parallel and folds each span right to left. With `folds`,
 * folded spans are remembered: every proof in one tree shares its right-edge spans, so a server
 * answering many proofs for one checkpoint hashes them once.
 */
export async function resolve(
  plan: readonly Span[],
  read: NodeReader,
  folds?: Map<string, Uint8Array>,
): Promise<Uint8Array[]> {
  const fold = (span: Span, hashes: readonly Uint8Array[], key: string | undefined): Uint8Array => {
    hashes.forEach((hash, i) => {
      // A wrong-sized hash means a corrupt store or a buggy reader, not bad input.
      const [level, index] = span[i] as [number, number];
      if (hash.length !== HASH_SIZE) throw new Error(`node (${level}, ${index}) is ${hash.length} bytes`);
    });
    const folded = hashes.reduceRight((right, left) => hashChildren(left, right));
    if (key !== undefined) folds?.set(key, folded);
    return folded;
  };
  // Answers that are at hand are used at once; only reads that return promises are awaited (in
  // parallel), so a proof from a warm cache costs no promise per node.
  const results = plan.map((span): Uint8Array | Promise<Uint8Array> => {
    const key =
      folds && span.length > 1 ? span.map(([level, index]) => `${level}.${index}`).join(',') : undefined;
    const known = key === undefined ? undefined : folds?.get(key);
    if (known) return known;
    const answers = span.map(([level, index]) => read(level, index));
    if (answers.every((answer): answer is Uint8Array => answer instanceof Uint8Array))
      return fold(span, answers, key);
    return Promise.all(answers).then((hashes) => fold(span, hashes, key));
  });
  return Promise.all(results);
}
