import { bytesEqual } from './bytes.js';
import { emptyRoot, HASH_SIZE, hashChildren } from './merkle.js';
import { CompactRange } from './merkle.range.js';
import { TILE_WIDTH } from './tiles.js';

// Hash arithmetic over tiles for the log verifier (verify.ts).

/** MTH of a perfect tile of 2^n hashes, hashed pairwise in place of recursion. */
export function perfectRoot(hashes: readonly Uint8Array[]): Uint8Array {
  let level = hashes;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(hashChildren(level[i] as Uint8Array, level[i + 1] as Uint8Array));
    level = next;
  }
  return level[0] as Uint8Array;
}

/** The i-th hash of a tile. */
export function hashAt(tile: Uint8Array, i: number): Uint8Array {
  return tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
}

/** A tile's hashes, each a view into it. */
export function splitHashes(tile: Uint8Array): Uint8Array[] {
  return Array.from({ length: tile.length / HASH_SIZE }, (_, i) => hashAt(tile, i));
}

/** Index of the first hash where the stored tile and the computed hashes differ, or -1. */
export function firstDifference(stored: Uint8Array, computed: readonly Uint8Array[]): number {
  return computed.findIndex((hash, i) => !bytesEqual(hashAt(stored, i), hash));
}

/** Which leaves the i-th hash of a tile covers, in words. */
export function leafRange(level: number, tileIndex: number, i: number): string {
  const span = TILE_WIDTH ** level;
  const first = (tileIndex * TILE_WIDTH + i) * span;
  return level === 0 ? `leaf index ${first}` : `leaves ${first} to ${first + span - 1}`;
}

/** Root of a tree given, per tile level from the top, the hashes of its partial tile. */
export function rootFromPartials(size: number, partials: readonly (readonly Uint8Array[])[]): Uint8Array {
  if (size === 0) return emptyRoot();
  const hashes: Uint8Array[] = [];
  for (let level = partials.length - 1; level >= 0; level--) {
    const range = new CompactRange();
    for (const hash of partials[level] ?? []) range.append(hash);
    hashes.push(...range.hashes);
  }
  return new CompactRange(size, hashes).root();
}
