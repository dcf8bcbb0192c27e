import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { BlobStore } from './blobs.js';
import { bytesEqual } from './bytes.js';
import { formatCheckpoint, openCheckpoint } from './checkpoint.js';
import { hashLeaf } from './merkle.hash.js';
import type { NodeReader } from './merkle.js';
import { CompactRange } from './merkle.range.js';
import { signNote } from './note.js';
import type { SignerKey, VerifierKey } from './note.key.js';
import { createPublicationTracker, type PublicationComponent } from './publication.js';
import type { SequencedEntry } from './sequencer.js';
import type { TileCache } from './tilecache.js';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  entriesPath,
  TILE_HEIGHT,
  TILE_WIDTH,
  tilePath,
} from './tiles.js';

export const checkpointPath = 'checkpoint';

// Tile and bundle files written at once during one integration step, at most.
const maxConcurrentWrites = 64;

export interface IntegratorOptions {
  origin: string;
  signer: SignerKey;
  verifier: VerifierKey;
  /** Longest time an entry waits for its checkpoint once sequenced. */
  maxDelayMs: number;
  /** Entries integrated in one step at most. */
  maxBatch: number;
  /** Adds witness cosignatures to a signed checkpoint; resolves only with enough of them. */
  cosign?: (signedCheckpoint: string, oldSize: number, newSize: number, read: NodeReader) => Promise<string>;
}

/** The log's right edge: the compact range plus the partial tile at each level and entry bundle. */
interface EdgeState {
  range: CompactRange;
  partialEntries: Uint8Array[];
  /** partialTiles[L]: the hashes of level 8·L in the rightmost, incomplete tile of level L. */
  partialTiles: Uint8Array[][];
  checkpoint: string;
  /** Size of the published checkpoint; the range runs ahead of it while a step is in progress. */
  publishedSize: number;
}

function concat(hashes: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(hashes);
}

/**
 * Integrates sequenced entries into C2SP tiles and publishes signed checkpoints. Tiles are
 * fsynced before the checkpoint that covers them is published, and the checkpoint is replaced
 * atomically, so a crash at any moment leaves a checkpoint whose tiles are all on disk.
 */
export function createIntegrator(deps: {
  blobs: BlobStore;
  tiles: TileCache;
  clock: Clock;
  logger: Logger;
  options: IntegratorOptions;
  /** Reads sequenced entries [from, to) from the store (after a restart, or when far behind). */
  loadEntries: (from: number, to: number) => Promise<Uint8Array[]>;
}) {
  const { blobs, tiles, options, logger } = deps;
  let edge: EdgeState;
  let sequencedSize = 0;
  // Entries handed over by the sequencer, not yet integrated: [pendingStart, pendingStart + length).
  let pending: SequencedEntry[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let failures = 0;
  // After a failed step the in-memory edge may be half-advanced: the next step reloads it from
  // what was published before integrating anything.
  let edgeStale = false;
  // Where a step is, so that a failure names the part that failed: the store, the ledger
  // folder or the witnesses.
  let phase: PublicationComponent = 'store';
  const publication = createPublicationTracker(deps.clock);
  let stopped = false;
  let closing = false;
  const waiters: { size: number; resolve: () => void; reject: (e: unknown) => void }[] = [];

  /** Rebuilds the right edge from the published checkpoint and its tiles. */
  async function loadEdge(): Promise<EdgeState> {
    const note = await blobs.read(checkpointPath);
    if (!note) {
      return {
        range: new CompactRange(),
        partialEntries: [],
        partialTiles: [],
        checkpoint: '',
        publishedSize: 0,
      };
    }
    const text = Buffer.from(note).toString('utf8');
    const { checkpoint } = openCheckpoint(text, options.verifier);
    if (checkpoint.origin !== options.origin) {
      throw new CustosError(
        'ledger.corrupt',
        `the checkpoint's origin is ${checkpoint.origin}, not ${options.origin}`,
      );
    }
    const size = checkpoint.size;
    const range = await CompactRange.load(size, tiles.reader(size));
    if (!bytesEqual(range.root(), checkpoint.root)) {
      throw new CustosError('ledger.corrupt', `the tiles do not hash to the checkpoint root at size ${size}`);
    }
    const partialTiles: Uint8Array[][] = [];
    for (let level = 0, count = size; count > 0; level++, count = Math.floor(count / TILE_WIDTH)) {
      const width = count % TILE_WIDTH;
      const hashes: Uint8Array[] = [];
      if (width > 0) {
        const data = await blobs.read(tilePath(level, Math.floor(count / TILE_WIDTH), width));
        if (!data)
          throw new CustosError(
            'ledger.corrupt',
            `missing ${tilePath(level, Math.floor(count / TILE_WIDTH), width)}`,
          );
        for (let i = 0; i < width; i++) hashes.push(data.slice(i * 32, (i + 1) * 32));
      }
      partialTiles.push(hashes);
    }
    let partialEntries: Uint8Array[] = [];
    if (size % TILE_WIDTH > 0) {
      const path = entriesPath(Math.floor(size / TILE_WIDTH), size % TILE_WIDTH);
      const bundle = await blobs.read(path);
      if (!bundle) throw new CustosError('ledger.corrupt', `missing ${path}`);
      try {
        partialEntries = decodeEntryBundle(bundle, size % TILE_WIDTH);
      } catch (error) {
        // Our own published file, not a caller's input: corrupt, not a malformed request.
        throw new CustosError('ledger.corrupt', `${path} is corrupt: ${(error as Error).message}`);
      }
      // The bundle is carried into the next full one: it must be the entries the tile commits to.
      const leaves = partialTiles[0] ?? [];
      const bad = partialEntries.findIndex(
        (entry, i) => !bytesEqual(hashLeaf(entry), leaves[i] ?? new Uint8Array()),
      );
      if (bad >= 0) {
        throw new CustosError(
          'ledger.corrupt',
          `${path}: entry ${bad} does not hash to its level-0 tile hash`,
        );
      }
    }
    return { range, partialEntries, partialTiles, checkpoint: text, publishedSize: size };
  }

  /** Integrates `entries` (which start at the current size) and publishes their checkpoint. */
  async function integrate(entries: SequencedEntry[]): Promise<void> {
    phase = 'ledger.tiles';
    const oldSize = edge.range.size;
    const touched = new Set<number>();
    // Files are written concurrently, a bounded number at a time: one await per file would give
    // the event loop away hundreds of times per step, and the sequencer runs on the same loop.
    let writes: Promise<void>[] = [];
    const write = async (path: string, data: Uint8Array) => {
      writes.push(blobs.write(path, data));
      if (writes.length >= maxConcurrentWrites) {
        const batch = writes;
        writes = [];
        await Promise.all(batch);
      }
    };
    const writeTile = async (level: number, index: number, hashes: Uint8Array[]) => {
      const data = concat(hashes);
      tiles.put(level, index, hashes.length, data);
      await write(tilePath(level, index, hashes.length), data);
    };
    for (const { entry, leafHash } of entries) {
      edge.partialEntries.push(entry);
      if (edge.partialEntries.length === TILE_WIDTH) {
        await write(
          entriesPath(Math.floor(edge.range.size / TILE_WIDTH)),
          encodeEntryBundle(edge.partialEntries),
        );
        edge.partialEntries = [];
      }
      for (const node of edge.range.append(leafHash)) {
        if (node.level % TILE_HEIGHT !== 0) continue;
        const level = node.level / TILE_HEIGHT;
        if (!edge.partialTiles[level]) edge.partialTiles[level] = [];
        const row = edge.partialTiles[level] as Uint8Array[];
        row.push(node.hash);
        touched.add(level);
        if (row.length === TILE_WIDTH) {
          await writeTile(level, Math.floor(node.index / TILE_WIDTH), row);
          edge.partialTiles[level] = [];
        }
      }
    }
    const size = edge.range.size;
    for (const level of touched) {
      const row = edge.partialTiles[level] as Uint8Array[];
      if (row.length > 0) {
        const count = Math.floor(size / 2 ** (TILE_HEIGHT * level));
        await writeTile(level, Math.floor(count / TILE_WIDTH), row);
      }
    }
    if (edge.partialEntries.length > 0) {
      await write(
        entriesPath(Math.floor(size / TILE_WIDTH), edge.partialEntries.length),
        encodeEntryBundle(edge.partialEntries),
      );
    }
    await Promise.all(writes);
    await blobs.sync();
    const body = formatCheckpoint({ origin: options.origin, size, root: edge.range.root() });
    let note = signNote(body, [options.signer]);
    if (options.cosign) {
      phase = 'ledger.witnesses';
      note = await options.cosign(note, oldSize, size, tiles.reader(size));
      phase = 'ledger.tiles';
    }
    await blobs.publish(checkpointPath, Buffer.from(note));
    edge.checkpoint = note;
    edge.publishedSize = size;
    publication.published(size);
  }

  async function nextEntries(): Promise<SequencedEntry[]> {
    const size = edge.range.size;
    const want = Math.min(sequencedSize - size, options.maxBatch);
    if (pending.length && (pending[0] as SequencedEntry).index === size) return pending.slice(0, want);
    // Not in memory (a restart, or entries sequenced before we were handed them): read the store.
    phase = 'store';
    const entries = await deps.loadEntries(size, size + want);
    return entries.map((entry, i) => ({ index: size + i, entry, leafHash: hashLeaf(entry) }));
  }

  function settleWaiters(): void {
    const size = edge.publishedSize;
    for (let i = waiters.length - 1; i >= 0; i--) {
      const waiter = waiters[i] as (typeof waiters)[number];
      if (waiter.size <= size) {
        waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  async function step(): Promise<void> {
    if (edgeStale) {
      phase = 'ledger.tiles';
      edge = await loadEdge();
      edgeStale = false;
    }
    while (!stopped && edge.range.size < sequencedSize) {
      const entries = await nextEntries();
      if (entries.length === 0) break;
      await integrate(entries);
      const size = edge.range.size;
      const drop = pending.findIndex((e) => e.index >= size);
      pending = drop === -1 ? [] : pending.slice(drop);
      settleWaiters();
    }
  }

  // setTimeout's longest delay; a longer maxDelay would fire at once instead.
  const longestDelay = 2 ** 31 - 1;

  function schedule(delayMs: number): void {
    if (timer || running || stopped || closing) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        running = step()
          .then(() => {
            failures = 0;
          })
          .catch((error: unknown) => {
            failures++;
            publication.failed(phase, error);
            logger.error(
              { err: error, failures, component: phase },
              'ledger integration failed; will retry from the last checkpoint',
            );
            // Reloaded by the next step, whose failure to reload is logged and retried like this one;
            // carrying on from a half-advanced edge could publish a checkpoint over unwritten tiles.
            edgeStale = true;
          })
          .finally(() => {
            running = undefined;
            if (edgeStale || edge.range.size < sequencedSize) {
              schedule(failures ? Math.min(5000, 100 * 2 ** failures) : 0);
            }
          });
      },
      Math.min(delayMs, longestDelay),
    );
    // A step nobody waits for must not keep the process alive (close() integrates whatever is
    // left); one a caller awaits must, or a program with no socket open exits mid-await.
    if (waiters.length === 0) timer.unref();
  }

  /**
   * Integrates at once instead of at the end of the current wait, unless a failing integrator
   * is backing off.
   */
  function integrateNow(): void {
    if (timer && failures === 0) {
      clearTimeout(timer);
      timer = undefined;
    }
    schedule(0);
  }

  return {
    /** Loads the published state; `sequenced` is how many entries the store already holds. */
    async start(sequenced: number): Promise<void> {
      edge = await loadEdge();
      if (!edge.checkpoint) {
        // A log always has a checkpoint, so auditors and witnesses can start from size 0. The
        // empty tree commits to nothing, so it is published without waiting for witnesses.
        const note = signNote(
          formatCheckpoint({ origin: options.origin, size: 0, root: edge.range.root() }),
          [options.signer],
        );
        await blobs.publish(checkpointPath, Buffer.from(note));
        edge.checkpoint = note;
        publication.published(0);
      }
      publication.published(edge.publishedSize, false);
      // Entries the store holds beyond the checkpoint wait from now: when they were sequenced
      // before the restart is not known here.
      publication.sequenced(sequenced);
      sequencedSize = sequenced;
      if (edge.range.size > sequenced) {
        throw new CustosError(
          'ledger.corrupt',
          `the checkpoint covers ${edge.range.size} entries but the store holds only ${sequenced}`,
        );
      }
      if (sequenced > edge.range.size) schedule(0);
    },
    /** Called by the sequencer after each commit. */
    sequenced(entries: SequencedEntry[]): void {
      if (entries.length === 0) return;
      const first = (entries[0] as SequencedEntry).index;
      const last = entries[entries.length - 1] as SequencedEntry;
      const expected = pending.length ? (pending[pending.length - 1] as SequencedEntry).index + 1 : first;
      // Keep the in-memory run contiguous; a gap means integration will read the store instead.
      if (first === expected && pending.length + entries.length <= options.maxBatch * 8)
        pending.push(...entries);
      else pending = [];
      sequencedSize = Math.max(sequencedSize, last.index + 1);
      publication.sequenced(sequencedSize);
      // Integrate at once when a full batch waits or someone waits for a checkpoint; otherwise let
      // entries gather for up to maxDelay. Each step costs a handful of fsyncs (tiles, bundle,
      // checkpoint) on the disk the sequencer's commits also wait for, so fewer, larger steps keep
      // them off the commits' path.
      if (sequencedSize - edge.range.size >= options.maxBatch || waiters.length) integrateNow();
      else schedule(options.maxDelayMs);
    },
    /** Resolves when the published checkpoint covers `size` entries. */
    waitFor(size: number, timeoutMs: number): Promise<void> {
      if (edge.publishedSize >= size) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = { size, resolve, reject };
        waiters.push(waiter);
        // Someone needs a checkpoint now: do not let the entries sit out the rest of maxDelay.
        if (sequencedSize > edge.range.size) integrateNow();
        // A backing-off step keeps its delay, but is now awaited: it must keep the process alive.
        timer?.ref();
        setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(
              new CustosError(
                'ledger.unavailable',
                `entry ${size - 1} was not integrated within ${timeoutMs} ms`,
              ),
            );
          }
        }, timeoutMs).unref();
      });
    },
    /** Entries covered by the published checkpoint. */
    get size(): number {
      return edge.publishedSize;
    },
    /** The latest published signed checkpoint (empty before the first). */
    get checkpoint(): string {
      return edge.checkpoint;
    },
    /**
     * When the oldest entry not yet in a published checkpoint was sequenced, and what keeps
     * checkpoints from being published: in memory, no I/O.
     */
    publication() {
      return {
        waitingSince: publication.waitingSince(),
        failure: publication.failure(),
        publishedAt: publication.publishedAt(),
      };
    },
    /** Integrates what is sequenced, then stops. */
    async close(): Promise<void> {
      // No new step from here on, not even one a running step would schedule as it ends: the
      // last step below must be the only one.
      closing = true;
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      await running;
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      await step().catch((error: unknown) => logger.error({ err: error }, 'final ledger integration failed'));
      stopped = true;
    },
  };
}

export type Integrator = ReturnType<typeof createIntegrator>;
