import { describe, expect, it } from 'vitest';
import { hashLeaf } from '../../src/ledger/merkle.js';
import { CompactRange } from '../../src/ledger/merkle.range.js';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  entriesPath,
  formatTileIndex,
  parseTilePath,
  readTile,
  splitTile,
  tileCoordinates,
  tilePath,
  tilesToWrite,
} from '../../src/ledger/tiles.js';
import { loadVectors, nodeStore } from './vectors.js';

interface C2spTiles {
  tile_path_examples: {
    index_encoding: Record<string, string>;
    tree_70000: Record<string, number>;
    tree_256: Record<string, number>;
  };
}

interface SumdbTilePath {
  path: string;
  L?: number;
  N?: number;
  W?: number;
  H?: number;
  invalid?: boolean;
}

const c2sp = loadVectors<C2spTiles>('signed-note/c2sp-spec-examples.json').tile_path_examples;
const sumdb = loadVectors<{ sumdb_tile_paths: SumdbTilePath[] }>(
  'signed-note/golang-mod-note.json',
).sumdb_tile_paths;

describe('tile paths', () => {
  it.each(Object.entries(c2sp.index_encoding))('encodes index %s as %s', (index, encoded) => {
    expect(formatTileIndex(Number(index))).toBe(encoded);
  });

  it.each([
    [0, 0, undefined, 'tile/0/000'],
    [0, 5, 112, 'tile/0/005.p/112'],
    [2, 1000, undefined, 'tile/2/x001/000'],
    [1, 1234067, 17, 'tile/1/x001/x234/067.p/17'],
    [0, 7, 256, 'tile/0/007'],
  ] as const)('formats level %i index %i width %s as %s and parses it back', (level, index, width, path) => {
    expect(tilePath(level, index, width)).toBe(path);
    expect(parseTilePath(path)).toEqual({ kind: 'hashes', level, index, width: width ?? 256 });
  });

  it('formats and parses entry bundle paths', () => {
    expect(entriesPath(1234067, 5)).toBe('tile/entries/x001/x234/067.p/5');
    expect(parseTilePath('tile/entries/x001/x234/067.p/5')).toEqual({
      kind: 'entries',
      index: 1234067,
      width: 5,
    });
  });

  // Go's sumdb paths carry the tile height H after "tile/"; with it removed they share C2SP's <L>/<N>.
  it.each(sumdb.map((v) => [v.path, v] as const))('agrees with Go sumdb on %s', (path, vector) => {
    const c2spPath = path.replace(/^tile\/[0-9]+\//, 'tile/').replace('tile/data/', 'tile/entries/');
    if (vector.invalid) {
      expect(() => parseTilePath(c2spPath)).toThrow();
      return;
    }
    const parsed = parseTilePath(c2spPath);
    expect(parsed.index).toBe(vector.N);
    if (path.includes('.p/')) expect(parsed.width).toBe(vector.W);
    expect(parsed.kind).toBe(vector.L === -1 ? 'entries' : 'hashes');
  });

  it.each([
    'tile/0/x000/001',
    'tile/0/1',
    'tile/0/001.p/256',
    'tile/0/001.p/0',
    'tile/0/001.p/012',
    'tile/64/000',
    'tile/01/000',
    'tile/0/001/',
    '/tile/0/001',
    'tile/0/x1/001',
    'tile/data/001',
  ])('rejects the non-canonical path %s', (path) => {
    expect(() => parseTilePath(path)).toThrow('tile path');
  });
});

describe('tileCoordinates', () => {
  it('lists the tiles of a tree of size 70000 as tlog-tiles does', () => {
    const t = c2sp.tree_70000;
    expect(tileCoordinates(70000)).toEqual([
      { level: 0, fullTiles: t.full_level0_tiles, partialWidth: t.partial_level0_width },
      { level: 1, fullTiles: t.full_level1_tiles, partialWidth: t.partial_level1_width },
      { level: 2, fullTiles: 0, partialWidth: t.partial_level2_width },
    ]);
  });

  it('lists the tiles of a tree of size 256 as one full tile and a partial of width 1', () => {
    expect(tileCoordinates(256)).toEqual([
      { level: 0, fullTiles: c2sp.tree_256.full_level0_tiles, partialWidth: 0 },
      { level: 1, fullTiles: 0, partialWidth: c2sp.tree_256.partial_level1_width },
    ]);
  });

  it('lists nothing for the empty tree', () => {
    expect(tileCoordinates(0)).toEqual([]);
  });
});

describe('tilesToWrite', () => {
  it('covers the grown part of every level', () => {
    expect(tilesToWrite(250, 520)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 0, index: 1, width: 256 },
      { level: 0, index: 2, width: 8 },
      { level: 1, index: 0, width: 2 },
    ]);
  });

  it('writes nothing when the tree did not grow', () => {
    expect(tilesToWrite(70000, 70000)).toEqual([]);
  });

  it('ends, for any growth, with exactly the partial tiles tileCoordinates lists', () => {
    const written = tilesToWrite(0, 70000).filter((tile) => tile.width < 256);
    expect(written).toEqual([
      { level: 0, index: 273, width: 112 },
      { level: 1, index: 1, width: 17 },
      { level: 2, index: 0, width: 1 },
    ]);
  });
});

describe('tile contents', () => {
  it('reads a level-1 tile as the roots of full level-0 tiles', async () => {
    const store = nodeStore();
    const range = new CompactRange();
    const size = 256 * 3 + 10;
    for (let i = 0; i < size; i++) {
      for (const node of range.append(hashLeaf(Uint8Array.of(i & 0xff, i >> 8)))) {
        store.put(node.level, node.index, node.hash);
      }
    }
    const level1 = await readTile({ level: 1, index: 0, width: 3 }, store.read);
    const hashes = splitTile(level1, 3);
    expect(Buffer.from(hashes[2] as Uint8Array)).toEqual(Buffer.from(store.nodes.get('8/2') as Uint8Array));
    const partial = await readTile({ level: 0, index: 3, width: 10 }, store.read);
    expect(partial).toHaveLength(320);
    expect(() => splitTile(partial, 11)).toThrow('must be 352 bytes, got 320');
  });
});

describe('entry bundles', () => {
  it('round-trips entries of 0, 1 and 65535 bytes', () => {
    const entries = [new Uint8Array(0), Uint8Array.of(7), new Uint8Array(65535).fill(9)];
    const bundle = encodeEntryBundle(entries);
    expect(bundle.slice(0, 5)).toEqual(Uint8Array.of(0, 0, 0, 1, 7));
    const hexes = (list: Uint8Array[]) => list.map((entry) => Buffer.from(entry).toString('hex'));
    expect(hexes(decodeEntryBundle(bundle, 3))).toEqual(hexes(entries));
  });

  it('refuses an entry longer than 65535 bytes', () => {
    expect(() => encodeEntryBundle([new Uint8Array(65536)])).toThrow('entry 0 is 65536 bytes');
  });

  it('names a truncated length prefix', () => {
    expect(() => decodeEntryBundle(Uint8Array.of(0, 1, 7, 0))).toThrow(
      'entry 1 has a 1-byte length prefix at byte 3',
    );
  });

  it('names a truncated entry', () => {
    expect(() => decodeEntryBundle(Uint8Array.of(0, 1, 7, 0, 3, 1))).toThrow(
      'entry 1 needs 3 bytes at byte 5, 1 remain',
    );
  });

  it('checks the expected width', () => {
    expect(() => decodeEntryBundle(Uint8Array.of(0, 1, 7), 2)).toThrow('bundle has 1 entries, expected 2');
  });

  it('refuses more than 256 entries', () => {
    const bundle = new Uint8Array(2 * 257);
    expect(() => decodeEntryBundle(bundle)).toThrow('more than 256 entries');
    expect(() => encodeEntryBundle(Array.from({ length: 257 }, () => new Uint8Array(0)))).toThrow(
      'at most 256',
    );
  });
});
