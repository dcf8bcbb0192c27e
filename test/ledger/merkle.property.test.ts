import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  hashLeaf,
  inclusionProof,
  isValidConsistency,
  isValidInclusion,
} from '../../src/ledger/merkle.js';
import { CompactRange } from '../../src/ledger/merkle.range.js';
import { nodeStore } from './vectors.js';

/** Builds a random tree of `size` leaves and returns its reader and the root of every prefix. */
function buildTree(size: number, seed: number) {
  const store = nodeStore();
  const range = new CompactRange();
  const leaves: Uint8Array[] = [];
  const roots = [range.root()];
  for (let i = 0; i < size; i++) {
    const leaf = hashLeaf(Uint8Array.of(seed & 0xff, seed >> 8, i & 0xff, i >> 8));
    leaves.push(leaf);
    for (const node of range.append(leaf)) store.put(node.level, node.index, node.hash);
    roots.push(range.root());
  }
  return { read: store.read, leaves, roots };
}

/** A copy of `bytes` with one bit flipped. */
function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const at = bit % (copy.length * 8);
  copy[at >> 3] = (copy[at >> 3] as number) ^ (1 << (at & 7));
  return copy;
}

const tree = fc.record({ size: fc.integer({ min: 1, max: 600 }), seed: fc.integer({ min: 0, max: 0xffff }) });

describe('random trees', () => {
  it('inclusion proofs verify, and any single flipped bit in leaf, proof or root breaks them', async () => {
    await fc.assert(
      fc.asyncProperty(tree, fc.nat(), fc.nat(), fc.nat(), async ({ size, seed }, pick, target, bit) => {
        const { read, leaves, roots } = buildTree(size, seed);
        const index = pick % size;
        const leaf = leaves[index] as Uint8Array;
        const root = roots[size] as Uint8Array;
        const proof = await inclusionProof(index, size, read);
        expect(isValidInclusion(index, size, leaf, proof, root)).toBe(true);
        // target picks what to corrupt: the leaf, the root, or one of the proof hashes.
        const slot = target % (proof.length + 2);
        if (slot === 0) expect(isValidInclusion(index, size, flip(leaf, bit), proof, root)).toBe(false);
        else if (slot === 1) expect(isValidInclusion(index, size, leaf, proof, flip(root, bit))).toBe(false);
        else {
          const bad = proof.map((hash, i) => (i === slot - 2 ? flip(hash, bit) : hash));
          expect(isValidInclusion(index, size, leaf, bad, root)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('consistency proofs verify, and any single flipped bit in a root or the proof breaks them', async () => {
    await fc.assert(
      fc.asyncProperty(tree, fc.nat(), fc.nat(), fc.nat(), async ({ size, seed }, pick, target, bit) => {
        const { read, roots } = buildTree(size, seed);
        const size1 = 1 + (pick % size);
        const root1 = roots[size1] as Uint8Array;
        const root2 = roots[size] as Uint8Array;
        const proof = await consistencyProof(size1, size, read);
        expect(isValidConsistency(size1, size, proof, root1, root2)).toBe(true);
        const slot = target % (proof.length + 2);
        if (slot === 0) expect(isValidConsistency(size1, size, proof, flip(root1, bit), root2)).toBe(false);
        else if (slot === 1)
          expect(isValidConsistency(size1, size, proof, root1, flip(root2, bit))).toBe(false);
        else {
          const bad = proof.map((hash, i) => (i === slot - 2 ? flip(hash, bit) : hash));
          expect(isValidConsistency(size1, size, bad, root1, root2)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('inclusion proofs do not verify against the root of a different prefix', async () => {
    await fc.assert(
      fc.asyncProperty(tree, fc.nat(), fc.nat(), async ({ size, seed }, pick, other) => {
        fc.pre(size > 1);
        const { read, leaves, roots } = buildTree(size, seed);
        const index = pick % size;
        const otherSize = 1 + (other % size);
        fc.pre(otherSize !== size && otherSize > index);
        const proof = await inclusionProof(index, size, read);
        expect(
          isValidInclusion(index, size, leaves[index] as Uint8Array, proof, roots[otherSize] as Uint8Array),
        ).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
