/**
 * The outside auditor's check of a whole tlog-tiles log (c2sp.org/tlog-tiles): the checkpoint
 * under a key and witness policy, then every entry bundle hashed into every tile, level by level,
 * and the root. Streaming: one tile per level is held at a time, so memory does not grow with the
 * log. Corrupt input never throws; it becomes the first problem, naming the file and index.
 */
import { CustosError } from '../core/errors.js';
import { bytesEqual, toBase64 } from './bytes.js';
import type { Checkpoint } from './checkpoint.js';
import { HASH_SIZE, hashLeaf } from './merkle.js';
import {
  type CheckpointPolicy,
  openLogCheckpoint,
  type ResolvedPolicy,
  readHashTile,
  resolvePolicy,
  type TrustedCheckpoint,
  verifyLogConsistency,
} from './proof.js';
import type { LogSource } from './source.js';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  entriesPath,
  parseTilePath,
  TILE_WIDTH,
  type TileLevel,
  tileCoordinates,
  tilePath,
} from './tiles.js';
import {
  firstDifference,
  hashAt,
  leafRange,
  perfectRoot,
  rootFromPartials,
  splitHashes,
} from './verify.tiles.js';

export interface VerifyLogOptions extends CheckpointPolicy {
  /** A signed checkpoint trusted earlier (by the same key): the log must extend it. */
  readonly previous?: string | Uint8Array;
  /** The smallest size the auditor has seen before; a smaller checkpoint is a rollback. */
  readonly minSize?: number;
  /** Called after each entry bundle with the entries verified so far and the tree size. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Entry bundles and tiles read ahead in parallel (helps over HTTP); 8 by default. */
  readonly readAhead?: number;
}

/** One problem: the file (relative to the log) and, where it applies, the leaf index. */
export interface VerifyProblem {
  readonly file: string;
  readonly index?: number;
  readonly message: string;
}

export interface VerifyLogResult {
  /** True only when the checkpoint, every tile and bundle and the root all hold. */
  readonly ok: boolean;
  readonly size: number | null;
  /** The checkpoint's root, base64 as in the checkpoint. */
  readonly root: string | null;
  readonly origin: string | null;
  readonly cosigners: readonly string[];
  readonly errors: readonly VerifyProblem[];
  /** Entries hashed and matched against level-0 tiles. */
  readonly entries: number;
  /** Hash tiles (all levels, leftover partial tiles included) matched byte for byte. */
  readonly tiles: number;
  readonly bundles: number;
}

/** Unwinds the walk with the first problem. */
class Stop extends Error {
  constructor(readonly problem: VerifyProblem) {
    super(problem.message);
  }
}

function stop(file: string, message: string, index?: number): never {
  throw new Stop(index === undefined ? { file, message } : { file, index, message });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Fetched = { path: string; data: Uint8Array };
type Bundle = { path: string; entries: Uint8Array[] };
/** The reads of one level-0 tile and its entry bundle, started ahead of use. */
type ReadAhead = { bundle: Promise<Bundle>; tile: Promise<Fetched> };

/** Walks one log of a trusted checkpoint, level 0 upwards. */
class LogWalk {
  entries = 0;
  tiles = 0;
  bundles = 0;
  readonly #levels: TileLevel[];
  // Hashes of tile level L (complete tiles of level L - 1) not yet folded into a level-L tile.
  readonly #pending: Uint8Array[][];
  readonly #tileIndex: number[];
  #partialLeaves: Uint8Array[] = [];
  // Leftover partial files, by "kind/level/index", found by listing the source.
  readonly #leftovers = new Map<string, number[]>();

  constructor(
    readonly source: LogSource,
    readonly checkpoint: Checkpoint,
    readonly options: VerifyLogOptions,
  ) {
    this.#levels = tileCoordinates(checkpoint.size);
    this.#pending = this.#levels.map(() => []);
    this.#tileIndex = this.#levels.map(() => 0);
  }

  get size(): number {
    return this.checkpoint.size;
  }

  async #read(path: string): Promise<Uint8Array | undefined> {
    try {
      return await this.source.read(path);
    } catch (error) {
      return stop(path, `cannot be read: ${errorMessage(error)}`);
    }
  }

  async #hashTile(level: number, index: number, width: number): Promise<Fetched> {
    let tile: Fetched | undefined;
    try {
      tile = await readHashTile(this.source, this.size, level, index);
    } catch (error) {
      // readHashTile names the file in its malformed-tile messages: "tile/0/001: 100 bytes; …".
      const named = error instanceof CustosError ? /^(tile\/\S+): (.*)$/s.exec(error.message) : null;
      if (named) return stop(named[1] as string, named[2] as string);
      return stop(tilePath(level, index, width), `cannot be read: ${errorMessage(error)}`);
    }
    if (tile === undefined)
      stop(tilePath(level, index, width), `missing; a tree of size ${this.size} needs it`);
    return tile;
  }

  async #bundle(index: number, width: number): Promise<Bundle> {
    const exact = entriesPath(index, width);
    const data = await this.#read(exact);
    const decode = (path: string, bytes: Uint8Array, count: number) => {
      try {
        return { path, entries: decodeEntryBundle(bytes, count).slice(0, width) };
      } catch (error) {
        return stop(path, errorMessage(error));
      }
    };
    if (data !== undefined) return decode(exact, data, width);
    if (width < TILE_WIDTH) {
      // tlog-tiles lets a log drop a partial bundle once the full one exists.
      const full = entriesPath(index);
      const fullData = await this.#read(full);
      if (fullData !== undefined) return decode(full, fullData, TILE_WIDTH);
    }
    return stop(exact, `missing; a tree of size ${this.size} needs it`);
  }

  /** Notes every leftover partial tile and bundle, so that they are checked against their tile. */
  async listLeftovers(): Promise<void> {
    if (!this.source.list) return;
    for await (const path of this.source.list()) {
      if (!path.startsWith('tile/') || !path.includes('.p/')) continue;
      let parsed: ReturnType<typeof parseTilePath>;
      try {
        parsed = parseTilePath(path);
      } catch {
        continue;
      }
      const key = parsed.kind === 'entries' ? `entries/${parsed.index}` : `${parsed.level}/${parsed.index}`;
      this.#leftovers.set(key, [...(this.#leftovers.get(key) ?? []), parsed.width]);
    }
  }

  /** Checks leftover partial files of a verified tile: each must be a prefix of it. */
  async #checkLeftovers(
    key: string,
    width: number,
    usedPath: string,
    expected: (w: number) => Uint8Array,
    pathOf: (w: number) => string,
  ): Promise<void> {
    for (const leftover of this.#leftovers.get(key) ?? []) {
      // Wider partials than the checkpoint's come from later checkpoints: nothing to compare yet.
      if (leftover > width || pathOf(leftover) === usedPath) continue;
      const path = pathOf(leftover);
      const data = await this.#read(path);
      if (data === undefined) continue;
      const want = expected(leftover);
      if (!bytesEqual(data, want)) {
        let at = 0;
        while (at < data.length && at < want.length && data[at] === want[at]) at++;
        stop(
          path,
          `leftover partial file differs from the first ${leftover} items of ${usedPath} at byte ${at}`,
        );
      }
      if (key.startsWith('entries/')) this.bundles++;
      else this.tiles++;
    }
  }

  /** Level 0: the bundle's leaf hashes against the stored tile, blaming whichever disagrees with the tile above. */
  async #verifyLevelZero(
    index: number,
    width: number,
    bundle: Promise<Bundle>,
    tile: Promise<Fetched>,
  ): Promise<void> {
    const { path: bundlePath, entries } = await bundle;
    const stored = await tile;
    const leaves = entries.map(hashLeaf);
    const differs = firstDifference(stored.data, leaves);
    if (differs >= 0) {
      const leafIndex = index * TILE_WIDTH + differs;
      if (await this.#storedAgreesAbove(0, index, stored.data)) {
        stop(
          bundlePath,
          `entry ${differs} (leaf index ${leafIndex}) does not hash to hash ${differs} of ${stored.path}`,
          leafIndex,
        );
      }
      stop(
        stored.path,
        `hash ${differs} (leaf index ${leafIndex}) differs from the hash of entry ${differs} of ${bundlePath}`,
        leafIndex,
      );
    }
    await this.#checkLeftovers(
      `entries/${index}`,
      width,
      bundlePath,
      (w) => encodeEntryBundle(entries.slice(0, w)),
      (w) => entriesPath(index, w),
    );
    await this.#checkLeftovers(
      `0/${index}`,
      width,
      stored.path,
      (w) => stored.data.subarray(0, w * HASH_SIZE),
      (w) => tilePath(0, index, w),
    );
    this.entries += width;
    this.bundles++;
    this.tiles++;
    if (width === TILE_WIDTH) await this.#push(1, perfectRoot(leaves));
    else this.#partialLeaves = leaves;
  }

  /**
   * Whether a stored tile that disagrees with the level below agrees with the level above (the
   * parent tile's hash, or the checkpoint root for a partial tile): if so the level below is bad.
   */
  async #storedAgreesAbove(level: number, index: number, stored: Uint8Array): Promise<boolean> {
    try {
      const hashes = splitHashes(stored);
      if (hashes.length < TILE_WIDTH) {
        const partials = this.#pending.map((pending, l) => (l === level ? hashes : pending));
        return bytesEqual(rootFromPartials(this.size, partials), this.checkpoint.root);
      }
      const parent = await readHashTile(this.source, this.size, level + 1, Math.floor(index / TILE_WIDTH));
      return parent !== undefined && bytesEqual(hashAt(parent.data, index % TILE_WIDTH), perfectRoot(hashes));
    } catch {
      return false;
    }
  }

  /** Adds the hash of a complete tile of level - 1; a full set of 256 is checked as a level tile. */
  async #push(level: number, hash: Uint8Array): Promise<void> {
    const pending = this.#pending[level] as Uint8Array[];
    pending.push(hash);
    if (pending.length < TILE_WIDTH) return;
    const index = this.#tileIndex[level] as number;
    await this.#verifyUpper(level, index, pending);
    this.#pending[level] = [];
    this.#tileIndex[level] = index + 1;
    await this.#push(level + 1, perfectRoot(pending));
  }

  /** Levels 1 and up: the hashes computed from the (already verified) level below against the stored tile. */
  async #verifyUpper(level: number, index: number, computed: readonly Uint8Array[]): Promise<void> {
    const stored = await this.#hashTile(level, index, computed.length);
    const differs = firstDifference(stored.data, computed);
    if (differs >= 0) {
      stop(
        stored.path,
        `hash ${differs} (${leafRange(level, index, differs)}) differs from the tiles below`,
        (index * TILE_WIDTH + differs) * TILE_WIDTH ** level,
      );
    }
    await this.#checkLeftovers(
      `${level}/${index}`,
      computed.length,
      stored.path,
      (w) => stored.data.subarray(0, w * HASH_SIZE),
      (w) => tilePath(level, index, w),
    );
    this.tiles++;
  }

  /** Verifies every bundle and tile, then returns the root the entries hash to. */
  async run(): Promise<Uint8Array> {
    const level0 = this.#levels[0];
    const count = level0 === undefined ? 0 : level0.fullTiles + (level0.partialWidth > 0 ? 1 : 0);
    const widthOf = (n: number) => (n < (level0?.fullTiles ?? 0) ? TILE_WIDTH : (level0?.partialWidth ?? 0));
    const readAhead = Math.max(1, this.options.readAhead ?? 8);
    // Reads run ahead of hashing. A no-op handler is attached to each at once, so one abandoned by
    // an earlier failure never becomes an unhandled rejection; awaiting it still rethrows.
    const ahead = new Map<number, ReadAhead>();
    const quiet = <T>(promise: Promise<T>): Promise<T> => {
      promise.catch(() => undefined);
      return promise;
    };
    this.options.onProgress?.(0, this.size);
    for (let n = 0; n < count; n++) {
      for (let k = n; k < Math.min(count, n + readAhead); k++) {
        if (!ahead.has(k)) {
          ahead.set(k, {
            bundle: quiet(this.#bundle(k, widthOf(k))),
            tile: quiet(this.#hashTile(0, k, widthOf(k))),
          });
        }
      }
      const next = ahead.get(n) as ReadAhead;
      ahead.delete(n);
      await this.#verifyLevelZero(n, widthOf(n), next.bundle, next.tile);
      this.options.onProgress?.(this.entries, this.size);
    }
    for (const { level, fullTiles, partialWidth } of this.#levels) {
      if (level === 0 || partialWidth === 0) continue;
      await this.#verifyUpper(level, fullTiles, this.#pending[level] as Uint8Array[]);
    }
    return rootFromPartials(
      this.size,
      this.#pending.map((pending, level) => (level === 0 ? this.#partialLeaves : pending)),
    );
  }
}

function trustPrevious(previous: string | Uint8Array, policy: ResolvedPolicy): Checkpoint {
  try {
    // The earlier checkpoint was accepted under its own witness policy; only the log key matters here.
    return openLogCheckpoint(previous, { vkey: policy.vkey, origin: policy.origin }).checkpoint;
  } catch (error) {
    return stop('checkpoint', `the previous checkpoint given does not verify: ${errorMessage(error)}`);
  }
}

/**
 * Verifies a whole tlog-tiles log: its checkpoint under the key, origin and witness policy, every
 * entry bundle against the level-0 tiles, every higher tile against the level below, the root
 * against the checkpoint, and (when given) that it extends an earlier checkpoint. Never throws for
 * a bad log; `ok` is true only when everything holds.
 */
export async function verifyLog(source: LogSource, options: VerifyLogOptions): Promise<VerifyLogResult> {
  // Malformed keys or an impossible quorum are the caller's mistake, not the log's: they throw.
  const policy = resolvePolicy(options);
  let trusted: TrustedCheckpoint | undefined;
  let walk: LogWalk | undefined;
  const report = (errors: VerifyProblem[]): VerifyLogResult => ({
    ok: errors.length === 0,
    size: trusted?.checkpoint.size ?? null,
    root: trusted ? toBase64(trusted.checkpoint.root) : null,
    origin: trusted?.checkpoint.origin ?? null,
    cosigners: trusted?.cosigners ?? [],
    errors,
    entries: walk?.entries ?? 0,
    tiles: walk?.tiles ?? 0,
    bundles: walk?.bundles ?? 0,
  });
  try {
    let note: Uint8Array | undefined;
    try {
      note = await source.read('checkpoint');
    } catch (error) {
      stop('checkpoint', `cannot be read: ${errorMessage(error)}`);
    }
    if (note === undefined) stop('checkpoint', `missing (${source.describe('checkpoint')})`);
    try {
      trusted = openLogCheckpoint(note, policy);
    } catch (error) {
      stop('checkpoint', errorMessage(error));
    }
    const { checkpoint } = trusted;
    const previous = options.previous === undefined ? undefined : trustPrevious(options.previous, policy);
    const minSize = Math.max(options.minSize ?? 0, previous?.size ?? 0);
    if (checkpoint.size < minSize) {
      stop(
        'checkpoint',
        `size ${checkpoint.size} is smaller than the size ${minSize} seen before: the log was rolled back`,
      );
    }
    walk = new LogWalk(source, checkpoint, options);
    await walk.listLeftovers();
    const root = await walk.run();
    if (!bytesEqual(root, checkpoint.root)) {
      stop(
        'checkpoint',
        `root differs from the tiles (size ${checkpoint.size}): the entries hash to ${toBase64(root)}`,
      );
    }
    if (previous !== undefined) {
      try {
        await verifyLogConsistency(previous, checkpoint, source);
      } catch (error) {
        stop('checkpoint', errorMessage(error));
      }
    }
    return report([]);
  } catch (error) {
    if (error instanceof Stop) return report([error.problem]);
    return report([{ file: 'checkpoint', message: `verification stopped: ${errorMessage(error)}` }]);
  }
}
