/**
 * C2SP tlog-tiles (c2sp.org/tlog-tiles): tile and entry-bundle paths, which tiles a tree of a given
 * size has, and the entry-bundle encoding (big-endian uint16 length-prefixed entries).
 */
import { CustosError } from '../core/errors.js';
import { concatBytes } from './bytes.js';
import { HASH_SIZE, type NodeReader } from './merkle.js';

/** Hashes in a full tile (and entries in a full bundle). */
export const TILE_WIDTH = 256;
/** Merkle levels a tile spans: a level-L tile holds hashes of tree level 8L. */
export const TILE_HEIGHT = 8;
/** Largest entry an entry bundle can hold. */
export const MAX_ENTRY_SIZE = 0xffff;
const maxTileLevel = 63;

/** One tile: `width` hashes (256 when full) starting at hash index * 256 of its level. */
export interface TileCoordinate {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** A parsed tile path: a hash tile, or an entry bundle (which has no level). */
export type TilePath =
  | ({ readonly kind: 'hashes' } & TileCoordinate)
  | {
      readonly kind: 'entries';
      readonly index: number;
      readonly width: number;
    };

function invalidTile(message: string): CustosError {
  return new CustosError('ledger.invalid_tile', message);
}

function assertIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0)
    throw invalidTile(`tile index ${index} is not a safe integer`);
}

function assertWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw invalidTile(`tile width ${width} is not between 1 and ${TILE_WIDTH}`);
  }
}

/** The `<N>` part of a tile path: 3-digit groups, all but the last prefixed with x (1234067 → x001/x234/067). */
export function formatTileIndex(index: number): string {
  assertIndex(index);
  const digits = String(index);
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 3) groups.unshift(digits.slice(Math.max(0, end - 3), end));
  return groups
    .map((group, i) => (i < groups.length - 1 ? `x${group.padStart(3, '0')}` : group.padStart(3, '0')))
    .join('/');
}

function withWidth(path: string, width: number): string {
  assertWidth(width);
  return width === TILE_WIDTH ? path : `${path}.p/${width}`;
}

/** Path of a hash tile, `tile/<L>/<N>[.p/<W>]`; a width of 256 (the default) is a full tile. */
export function tilePath(level: number, index: number, width: number = TILE_WIDTH): string {
  if (!Number.isInteger(level) || level < 0 || level > maxTileLevel) {
    throw invalidTile(`tile level ${level} is not between 0 and ${maxTileLevel}`);
  }
  return withWidth(`tile/${level}/${formatTileIndex(index)}`, width);
}

/** Path of an entry bundle, `tile/entries/<N>[.p/<W>]`. */
export function entriesPath(index: number, width: number = TILE_WIDTH): string {
  return withWidth(`tile/entries/${formatTileIndex(index)}`, width);
}

/** Parses a tile or entry-bundle path; only the canonical spelling is accepted. */
export function parseTilePath(path: string): TilePath {
  const match = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(
    path,
  );
  if (!match) throw invalidTile(`${JSON.stringify(path)} is not a tile path`);
  const [, levelText = '', indexText = '', widthText] = match;
  const index = Number(indexText.replaceAll('x', '').replaceAll('/', ''));
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  const parsed: TilePath =
    levelText === 'entries'
      ? { kind: 'entries', index, width }
      : { kind: 'hashes', level: Number(levelText), index, width };
  // Formatting back rejects everything the pattern let through that is not canonical: leading x000
  // groups, widths of 256 and above, levels above 63, indices beyond 2^53.
  let canonical: string;
  try {
    canonical = parsed.kind === 'entries' ? entriesPath(index, width) : tilePath(parsed.level, index, width);
  } catch {
    throw invalidTile(`${JSON.stringify(path)} is not a canonical tile path`);
  }
  if (canonical !== path) throw invalidTile(`${JSON.stringify(path)} is not a canonical tile path`);
  return parsed;
}

/** Full tiles and the partial tile's width (0 when none) at one tile level. */
export interface TileLevel {
  readonly level: number;
  readonly fullTiles: number;
  readonly partialWidth: number;
}

function assertSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw invalidTile(`tree size ${size} is not a safe integer`);
}

/** Per tile level, how many full tiles and what partial tile a tree of `size` leaves has. */
export function tileCoordinates(size: number): TileLevel[] {
  assertSize(size);
  const levels: TileLevel[] = [];
  // A level-L tile holds the hashes of complete subtrees of 256^L leaves: floor(size / 256^L) of them.
  for (let level = 0, hashes = size; hashes > 0; level++, hashes = Math.floor(hashes / TILE_WIDTH)) {
    levels.push({ level, fullTiles: Math.floor(hashes / TILE_WIDTH), partialWidth: hashes % TILE_WIDTH });
  }
  return levels;
}

/**
 * The tiles that growing a tree from `oldSize` to `newSize` creates or widens, lowest level first.
 * The level-0 coordinates double as the entry bundles to write.
 */
export function tilesToWrite(oldSize: number, newSize: number): TileCoordinate[] {
  assertSize(oldSize);
  assertSize(newSize);
  if (oldSize > newSize) throw invalidTile(`old size ${oldSize} is larger than new size ${newSize}`);
  const tiles: TileCoordinate[] = [];
  let before = oldSize;
  let after = newSize;
  for (let level = 0; after > before; level++) {
    for (let index = Math.floor(before / TILE_WIDTH); index * TILE_WIDTH < after; index++) {
      tiles.push({ level, index, width: Math.min(TILE_WIDTH, after - index * TILE_WIDTH) });
    }
    before = Math.floor(before / TILE_WIDTH);
    after = Math.floor(after / TILE_WIDTH);
  }
  return tiles;
}

/** The bytes of a tile: its `width` hashes of tree level 8L, read from perfect-subtree storage. */
export async function readTile(tile: TileCoordinate, read: NodeReader): Promise<Uint8Array> {
  assertWidth(tile.width);
  const first = tile.index * TILE_WIDTH;
  const level = tile.level * TILE_HEIGHT;
  const hashes = await Promise.all(Array.from({ length: tile.width }, (_, i) => read(level, first + i)));
  return concatBytes(...hashes);
}

/** Splits tile bytes into hashes, checking that there are exactly `width` of them. */
export function splitTile(data: Uint8Array, width: number): Uint8Array[] {
  assertWidth(width);
  if (data.length !== width * HASH_SIZE) {
    throw invalidTile(`tile of width ${width} must be ${width * HASH_SIZE} bytes, got ${data.length}`);
  }
  return Array.from({ length: width }, (_, i) => data.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
}

/** Encodes entries as a bundle: each one prefixed by its length as a big-endian uint16. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH)
    throw invalidTile(`a bundle holds at most ${TILE_WIDTH} entries, got ${entries.length}`);
  const parts: Uint8Array[] = [];
  entries.forEach((entry, i) => {
    if (entry.length > MAX_ENTRY_SIZE) {
      throw invalidTile(`entry ${i} is ${entry.length} bytes; bundle entries are at most ${MAX_ENTRY_SIZE}`);
    }
    parts.push(Uint8Array.of(entry.length >> 8, entry.length & 0xff), entry);
  });
  return concatBytes(...parts);
}

/** Decodes an entry bundle; with `width`, also checks that it holds exactly that many entries. */
export function decodeEntryBundle(data: Uint8Array, width?: number): Uint8Array[] {
  if (width !== undefined) assertWidth(width);
  const entries: Uint8Array[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (entries.length === TILE_WIDTH) throw invalidTile(`bundle has more than ${TILE_WIDTH} entries`);
    if (offset + 2 > data.length) {
      throw invalidTile(
        `bundle is truncated: entry ${entries.length} has a 1-byte length prefix at byte ${offset}`,
      );
    }
    const length = ((data[offset] as number) << 8) | (data[offset + 1] as number);
    const start = offset + 2;
    if (start + length > data.length) {
      throw invalidTile(
        `bundle is truncated: entry ${entries.length} needs ${length} bytes at byte ${start}, ${data.length - start} remain`,
      );
    }
    entries.push(data.slice(start, start + length));
    offset = start + length;
  }
  if (width !== undefined && entries.length !== width) {
    throw invalidTile(`bundle has ${entries.length} entries, expected ${width}`);
  }
  return entries;
}
