import { CustosError } from '../core/errors.js';
import type { BlobStore } from './blobs.js';
import { HASH_SIZE, hashChildren, type NodeReader } from './merkle.js';
import { TILE_HEIGHT, TILE_WIDTH, tilePath } from './tiles.js';

/** A tile with every complete inner level computed once: levels[k][i] is a subtree of 2^k hashes. */
type ExpandedTile = Uint8Array[][];

function expand(data: Uint8Array, width: number): ExpandedTile {
  const leaves = Array.from({ length: width }, (_, i) => data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  const levels: ExpandedTile = [leaves];
  for (let k = 1; k <= TILE_HEIGHT; k++) {
    const below = levels[k - 1] as Uint8Array[];
    const above: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2)
      above.push(hashChildren(below[i] as Uint8Array, below[i + 1] as Uint8Array));
    levels.push(above);
  }
  return levels;
}

/** How many hashes of tree level 8·L a tree of `size` leaves has completed. */
function hashesAtTileLevel(size: number, tileLevel: number): number {
  return Math.floor(size / 2 ** (TILE_HEIGHT * tileLevel));
}

interface CachedTile {
  data: Uint8Array;
  width: number;
  expanded?: ExpandedTile;
  used?: boolean;
}

export interface TileCache {
  /** A NodeReader over the stored tiles of the tree of `size` leaves. */
  reader(size: number): NodeReader;
  /** Folded right-edge spans for proofs in the tree of `size` (see inclusionProof). */
  folds(size: number): Map<string, Uint8Array>;
  /** Records a tile just written, so proofs need not read it back. */
  put(level: number, index: number, width: number, data: Uint8Array): void;
}

/**
 * Reads perfect-subtree hashes from C2SP tiles, keeping recently used tiles expanded in memory
 * (least recently used evicted past `capacity`), so an inclusion proof costs lookups, not I/O.
 */
export function createTileCache(blobs: Pick<BlobStore, 'read'>, capacity: number): TileCache {
  // Tiles are expanded on first use: the integrator puts many tiles that no proof may ever read.
  const cache = new Map<string, CachedTile>();

  /**
   * CLOCK eviction (an LRU approximation): a hit only sets a flag, and eviction gives flagged
   * tiles a second chance. Reordering the map on every hit cost more than the proof lookups.
   */
  function remember(key: string, tile: CachedTile): void {
    if (cache.get(key) === tile) {
      tile.used = true;
      return;
    }
    cache.set(key, tile);
    while (cache.size > capacity) {
      const [oldestKey, oldest] = cache.entries().next().value as [string, CachedTile];
      cache.delete(oldestKey);
      if (oldest.used) {
        oldest.used = false;
        cache.set(oldestKey, oldest);
      }
    }
  }

  /** The expanded tile when it is at hand; a promise only when it must be read or expanded. */
  function tile(level: number, index: number, width: number): ExpandedTile | Promise<ExpandedTile> {
    // A cheap key: formatting the tile path costs more than the lookup it serves.
    const key = `${level}:${index}:${width}`;
    const entry = cache.get(key);
    if (entry?.expanded) {
      remember(key, entry);
      return entry.expanded;
    }
    return load(key, level, index, width, entry);
  }

  async function load(
    key: string,
    level: number,
    index: number,
    width: number,
    cached: CachedTile | undefined,
  ): Promise<ExpandedTile> {
    let entry = cached;
    const path = tilePath(level, index, width);
    if (!entry) {
      const data = await blobs.read(path);
      if (!data || data.length !== width * HASH_SIZE) {
        throw new CustosError(
          'ledger.corrupt',
          `tile ${path} is ${data ? `${data.length} bytes` : 'missing'}`,
        );
      }
      entry = { data, width };
    }
    entry.expanded = expand(entry.data, entry.width);
    remember(key, entry);
    return entry.expanded;
  }

  let folds = { size: -1, spans: new Map<string, Uint8Array>() };

  return {
    folds(size) {
      if (folds.size !== size) folds = { size, spans: new Map() };
      return folds.spans;
    },
    reader(size) {
      return (level, index) => {
        const tileLevel = Math.floor(level / TILE_HEIGHT);
        const k = level % TILE_HEIGHT;
        const first = index * 2 ** k;
        const tileIndex = Math.floor(first / TILE_WIDTH);
        const width = Math.min(TILE_WIDTH, hashesAtTileLevel(size, tileLevel) - tileIndex * TILE_WIDTH);
        const pick = (expanded: ExpandedTile): Uint8Array => {
          const hash = expanded[k]?.[(first % TILE_WIDTH) >> k];
          if (!hash)
            throw new CustosError(
              'ledger.invalid_range',
              `node ${level}/${index} is outside a tree of ${size}`,
            );
          return hash;
        };
        if (width < 1) {
          return Promise.reject(
            new CustosError('ledger.invalid_range', `node ${level}/${index} is outside a tree of ${size}`),
          );
        }
        const expanded = tile(tileLevel, tileIndex, width);
        return expanded instanceof Promise ? expanded.then(pick) : pick(expanded);
      };
    },
    put(level, index, width, data) {
      remember(`${level}:${index}:${width}`, { data, width });
    },
  };
}
