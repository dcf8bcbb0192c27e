import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isCustosError } from '../../src/core/errors.js';
import { hashLeaf, rootFromLeafHashes } from '../../src/ledger/merkle.js';
import { CompactRange } from '../../src/ledger/merkle.range.js';
import {
  isValidSubtree,
  subtreeConsistencyProof,
  subtreeInclusionProof,
  subtreeRoot,
  verifySubtreeConsistency,
  verifySubtreeInclusion,
} from '../../src/ledger/merkle.subtree.js';
import { hex, loadVectors, nodeStore, toHex } from './vectors.js';

interface InclusionProbe {
  source_path: string;
  leafIdx: number;
  start: number;
  end: number;
  leafHash_hex: string;
  root_hex: string;
  proof_hex: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyProbe {
  source_path: string;
  start: number;
  end: number;
  size: number;
  root1_hex: string;
  root2_hex: string;
  proof_hex: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface Accumulated {
  vectors: { name: string; sha256: string }[];
}

const inclusion = loadVectors<{ probes: InclusionProbe[] }>('merkle/subtree-inclusion-probes.json').probes;
const consistency = loadVectors<{ probes: ConsistencyProbe[] }>(
  'merkle/subtree-consistency-probes.json',
).probes;
const accumulated = loadVectors<Accumulated>('merkle/mtc-subtree-accumulated.json').vectors;

function rejects(check: () => void): boolean {
  try {
    check();
    return false;
  } catch (error) {
    if (!isCustosError(error, 'ledger.invalid_proof')) throw error;
    return true;
  }
}

describe('transparency-dev subtree inclusion probes', () => {
  it.each(inclusion.map((p) => [`${p.source_path}: ${p.desc}`, p] as const))('%s', (_, p) => {
    const proof = (p.proof_hex ?? []).map(hex);
    const check = () =>
      verifySubtreeInclusion(p.leafIdx, p.start, p.end, hex(p.leafHash_hex), proof, hex(p.root_hex));
    expect(rejects(check)).toBe(p.wantErr);
  });
});

describe('transparency-dev subtree consistency probes', () => {
  it.each(consistency.map((p) => [`${p.source_path}: ${p.desc}`, p] as const))('%s', (_, p) => {
    const proof = (p.proof_hex ?? []).map(hex);
    const check = () =>
      verifySubtreeConsistency(p.start, p.end, p.size, proof, hex(p.root1_hex), hex(p.root2_hex));
    expect(rejects(check)).toBe(p.wantErr);
  });
});

describe('MTC draft accumulated subtree vectors (130 leaves, d[i] = byte i)', () => {
  const leaves = Array.from({ length: 130 }, (_, i) => hashLeaf(Uint8Array.of(i)));
  const store = nodeStore();
  const range = new CompactRange();
  for (const leaf of leaves)
    for (const node of range.append(leaf)) store.put(node.level, node.index, node.hash);
  const want = (name: string) => accumulated.find((v) => v.name === name)?.sha256;
  const line = (prefix: string, proof: Uint8Array[]) =>
    `${prefix}${proof.map((h) => ` ${toHex(h)}`).join('')}\n`;

  /** Valid subtrees [start, end) with end <= limit, in the loop order of the vectors. */
  function* subtrees(limit: number) {
    for (let end = 0; end <= limit; end++) {
      for (let start = 0; start <= end; start++) if (isValidSubtree(start, end)) yield [start, end] as const;
    }
  }

  it('subtree_hash: every subtree root matches', async () => {
    const digest = createHash('sha256');
    for (const [start, end] of subtrees(130)) {
      const root = await subtreeRoot(start, end, store.read);
      expect(toHex(root)).toBe(toHex(rootFromLeafHashes(leaves.slice(start, end))));
      digest.update(`[${start}, ${end}) ${toHex(root)}\n`);
    }
    expect(digest.digest('hex')).toBe(want('subtree_hash'));
  });

  it('subtree_inclusion_proof: every generated proof matches and verifies', async () => {
    const digest = createHash('sha256');
    for (const [start, end] of subtrees(130)) {
      const root = rootFromLeafHashes(leaves.slice(start, end));
      for (let index = start; index < end; index++) {
        const proof = await subtreeInclusionProof(index, start, end, store.read);
        verifySubtreeInclusion(index, start, end, leaves[index] as Uint8Array, proof, root);
        digest.update(line(`${index} [${start}, ${end})`, proof));
      }
    }
    expect(digest.digest('hex')).toBe(want('subtree_inclusion_proof'));
  });

  it('subtree_consistency_proof: every generated proof matches and verifies', async () => {
    const digest = createHash('sha256');
    const roots = Array.from({ length: 131 }, (_, n) => rootFromLeafHashes(leaves.slice(0, n)));
    for (let size = 0; size <= 130; size++) {
      for (const [start, end] of subtrees(size)) {
        const proof = await subtreeConsistencyProof(start, end, size, store.read);
        const sub = rootFromLeafHashes(leaves.slice(start, end));
        verifySubtreeConsistency(start, end, size, proof, sub, roots[size] as Uint8Array);
        digest.update(line(`[${start}, ${end}) ${size}`, proof));
      }
    }
    expect(digest.digest('hex')).toBe(want('subtree_consistency_proof'));
  });
});
