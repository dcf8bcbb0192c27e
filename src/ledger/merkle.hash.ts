/** RFC 9162 2.1 hashing: SHA-256 with 0x00 / 0x01 domain separation between leaves and nodes. */
import { createHash, hash } from 'node:crypto';

/** Size in bytes of every hash in the tree. */
export const HASH_SIZE = 32;

function sha256(...parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return Uint8Array.from(hash.digest());
}

/** Leaf hash: SHA-256(0x00 || data). */
export function hashLeaf(data: Uint8Array): Uint8Array {
  // One-shot hashing of one buffer costs about a third less than a streaming hash object,
  // and the ledger's hot path hashes every entry and node.
  const input = Buffer.allocUnsafe(1 + data.length);
  input[0] = 0x00;
  input.set(data, 1);
  return hash('sha256', input, 'buffer');
}

/** Interior node hash: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return hash('sha256', input, 'buffer');
}

/** Root of the empty tree: SHA-256 of the empty string. */
export function emptyRoot(): Uint8Array {
  return sha256();
}

/** MTH(D[0:n]) straight from the RFC 9162 2.1.1 definition; O(n) memory, for tests and small trees. */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  const [only] = leafHashes;
  if (only === undefined) return emptyRoot();
  if (leafHashes.length === 1) return only;
  // The split point k is the largest power of two smaller than n.
  let k = 1;
  while (k * 2 < leafHashes.length) k *= 2;
  return hashChildren(rootFromLeafHashes(leafHashes.slice(0, k)), rootFromLeafHashes(leafHashes.slice(k)));
}
