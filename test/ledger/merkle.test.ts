import { describe, expect, it } from 'vitest';
import { CustosError } from '../../src/core/errors.js';
import {
  compactRangeNodes,
  consistencyProof,
  emptyRoot,
  hashLeaf,
  inclusionProof,
  isValidConsistency,
  isValidInclusion,
  type NodeReader,
  rootFromInclusionProof,
  rootFromLeafHashes,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.js';
import { CompactRange } from '../../src/ledger/merkle.range.js';
import { nodeStore, toHex } from './vectors.js';

const maxSize = 64;
const leafHashes = Array.from({ length: maxSize }, (_, i) => hashLeaf(Uint8Array.of(i, i >> 8, 0x5a)));
const roots = Array.from({ length: maxSize + 1 }, (_, n) => rootFromLeafHashes(leafHashes.slice(0, n)));

/** A store holding the tree of `maxSize` leaves, with a reader that refuses nodes outside `size`. */
function storeFor(size: number) {
  const store = nodeStore();
  const range = new CompactRange();
  for (const leafHash of leafHashes.slice(0, size)) {
    for (const node of range.append(leafHash)) store.put(node.level, node.index, node.hash);
  }
  const read: NodeReader = (level, index) => {
    // Proof generation must only ask for perfect subtrees that lie entirely inside the tree.
    if ((index + 1) * 2 ** level > size)
      throw new Error(`asked for (${level}, ${index}) beyond size ${size}`);
    return store.read(level, index);
  };
  return { read, range };
}

const sizes = Array.from({ length: maxSize }, (_, i) => i + 1);

describe('inclusion proofs generated from perfect subtrees', () => {
  it.each(sizes)('verify for every leaf of a tree of size %i, and not for its neighbours', async (size) => {
    const { read } = storeFor(size);
    const root = roots[size] as Uint8Array;
    for (let index = 0; index < size; index++) {
      const proof = await inclusionProof(index, size, read);
      const leaf = leafHashes[index] as Uint8Array;
      verifyInclusion(index, size, leaf, proof, root);
      expect(toHex(rootFromInclusionProof(index, size, leaf, proof))).toBe(toHex(root));
      if (size > 1) expect(isValidInclusion((index + 1) % size, size, leaf, proof, root)).toBe(false);
      expect(
        isValidInclusion(index, size, leafHashes[(index + 1) % maxSize] as Uint8Array, proof, root),
      ).toBe(false);
    }
  });
});

describe('consistency proofs generated from perfect subtrees', () => {
  it.each(sizes)('verify from every smaller size to size %i', async (size2) => {
    const { read } = storeFor(size2);
    for (let size1 = 1; size1 <= size2; size1++) {
      const proof = await consistencyProof(size1, size2, read);
      verifyConsistency(size1, size2, proof, roots[size1] as Uint8Array, roots[size2] as Uint8Array);
      if (size1 < size2) {
        const wrongOld = roots[size1 - 1 === 0 ? size1 + 1 : size1 - 1] as Uint8Array;
        expect(isValidConsistency(size1, size2, proof, wrongOld, roots[size2] as Uint8Array)).toBe(false);
      }
    }
  });

  it('is empty from size 0 and between equal sizes', async () => {
    const { read } = storeFor(8);
    expect(await consistencyProof(0, 8, read)).toEqual([]);
    expect(await consistencyProof(8, 8, read)).toEqual([]);
  });
});

describe('treeRoot and CompactRange', () => {
  it.each([0, ...sizes])('agree with the RFC definition for size %i', async (size) => {
    const { read, range } = storeFor(size);
    expect(toHex(await treeRoot(size, read))).toBe(toHex(roots[size] as Uint8Array));
    expect(toHex(range.root())).toBe(toHex(roots[size] as Uint8Array));
    expect(range.size).toBe(size);
    const loaded = await CompactRange.load(size, read);
    expect(loaded.hashes.map(toHex)).toEqual(range.hashes.map(toHex));
  });

  it('reports the leaf and every subtree an append completes', () => {
    const range = new CompactRange();
    for (const leafHash of leafHashes.slice(0, 7)) range.append(leafHash);
    const completed = range.append(leafHashes[7] as Uint8Array);
    expect(completed.map(({ level, index }) => [level, index])).toEqual([
      [0, 7],
      [1, 3],
      [2, 1],
      [3, 0],
    ]);
    expect(toHex(completed[3]?.hash ?? new Uint8Array())).toBe(toHex(roots[8] as Uint8Array));
  });

  it('lists the compact range of size 7 as subtrees of 4, 2 and 1 leaves', () => {
    expect(compactRangeNodes(7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
  });

  it('resumes from a stored size and hashes, and refuses a mismatched count', () => {
    const range = new CompactRange();
    for (const leafHash of leafHashes.slice(0, 5)) range.append(leafHash);
    const resumed = new CompactRange(5, range.hashes);
    resumed.append(leafHashes[5] as Uint8Array);
    expect(toHex(resumed.root())).toBe(toHex(roots[6] as Uint8Array));
    expect(() => new CompactRange(5, range.hashes.slice(1))).toThrow('holds 2 hashes, got 1');
  });

  it('returns the empty root for no leaves', () => {
    expect(toHex(new CompactRange().root())).toBe(toHex(emptyRoot()));
  });
});

describe('verifier errors', () => {
  const root = roots[8] as Uint8Array;
  const leaf = leafHashes[0] as Uint8Array;

  it('name an index outside the tree', () => {
    expect(() => verifyInclusion(8, 8, leaf, [], root)).toThrow('leaf index 8 is outside a tree of size 8');
  });

  it('name a proof of the wrong length', async () => {
    const proof = await inclusionProof(0, 8, storeFor(8).read);
    expect(() => verifyInclusion(0, 8, leaf, proof.slice(1), root)).toThrow('must have 3 hashes, got 2');
  });

  it('name an unsafe index instead of rounding it', () => {
    expect(() => verifyInclusion(2 ** 64, 8, leaf, [], root)).toThrow('non-negative safe integer');
  });

  it('say which root a consistency proof misses', async () => {
    const proof = await consistencyProof(3, 8, storeFor(8).read);
    const error = (() => {
      try {
        verifyConsistency(3, 8, proof, roots[3] as Uint8Array, roots[7] as Uint8Array);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(CustosError);
    expect((error as CustosError).code).toBe('ledger.invalid_proof');
    expect((error as CustosError).message).toBe('consistency proof from size 3 to 8 does not lead to root2');
  });

  it('refuse a consistency proof from the empty tree', () => {
    expect(() => verifyConsistency(0, 8, [], emptyRoot(), root)).toThrow('proves nothing');
  });

  it('refuse generation for a leaf beyond the tree with a range error', async () => {
    await expect(inclusionProof(8, 8, storeFor(8).read)).rejects.toMatchObject({
      code: 'ledger.invalid_range',
    });
    await expect(consistencyProof(9, 8, storeFor(8).read)).rejects.toMatchObject({
      code: 'ledger.invalid_range',
    });
  });
});
