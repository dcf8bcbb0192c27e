import type { Clock } from '../core/clock.js';
import { CustosError, isCustosError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { BulkInsert, Store } from '../store/store.js';
import { batchEntry, type LedgerRecord, type SealedRecord, sealRecords } from './entry.js';
import { hashLeaf } from './merkle.hash.js';

/** Where an appended record landed. */
export interface Sequenced {
  /** Index of the log entry committing to the record. */
  index: number;
  /** RFC 9162 leaf hash of that entry. */
  leafHash: Uint8Array;
  /** For a record in a batch entry: its position and the batch's size. */
  batch?: { position: number; count: number };
}

export interface AppendOptions {
  /** May share one log entry with other batchable records committed in the same group. */
  batchable?: boolean;
  /**
   * A row committed in the same transaction as the record, so an index over records (which
   * subject a record concerns, say) can never disagree with what was logged.
   */
  alsoInsert?: { table: BulkInsert['table']; columns: readonly string[]; values: readonly unknown[] };
}

/** A sequenced entry handed to the integrator. */
export interface SequencedEntry {
  index: number;
  entry: Uint8Array;
  leafHash: Uint8Array;
}

interface Waiting {
  record: LedgerRecord;
  batchable: boolean;
  alsoInsert: AppendOptions['alsoInsert'];
  resolve: (value: Sequenced) => void;
  reject: (error: unknown) => void;
}

export interface SequencerOptions {
  /** Most records committed in one transaction. */
  maxGroup: number;
  /** Most records waiting; beyond it appends fail at once rather than queue without bound. */
  maxPending: number;
}

/**
 * Durable sequencing with group commit: appends made while a commit is in flight wait and go
 * together in the next transaction, so many callers share one fsync. A promise resolves only
 * after the transaction holding its record and entry has committed.
 */
export function createSequencer(deps: {
  store: Pick<Store, 'db' | 'insertMany' | 'orderedInserts'>;
  clock: Clock;
  logger: Logger;
  options: SequencerOptions;
  onSequenced: (entries: SequencedEntry[]) => void;
}) {
  const { store, clock, options } = deps;
  let queue: Waiting[] = [];
  let nextIndex = 0;
  const inflight = new Set<Promise<void>>();
  // With ordered inserts, three commits in flight: in an A/B run of 64 callers, three gave
  // 8.1k-9.7k checks/s where two gave 7.3k-8.6k; a fourth added nothing measurable.
  const maxInflight = store.orderedInserts ? 3 : 1;
  const minExtraGroup = 8;
  let needsReload = false;
  // The reload after a failed commit, awaited by close().
  let reloading: Promise<void> | undefined;
  // One past the last entry of the last commit that succeeded: commits finish in order, so the
  // store holds exactly the entries below it (when this is the log's only writer).
  let committedNext = 0;
  let pumpQueued = false;
  let closed = false;

  async function loadNextIndex(): Promise<number> {
    const row = await store.db
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.max<number | null>('idx').as('last'))
      .executeTakeFirst();
    return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
  }

  /** Builds the group's entries: one per record, except batchable records, which share one. */
  function plan(group: Waiting[], sealed: SealedRecord[], firstIndex: number) {
    const entries: SequencedEntry[] = [];
    const placements: { index: number; position: number; count: number }[] = new Array(group.length);
    const batched: number[] = [];
    group.forEach((waiting, i) => {
      if (waiting.batchable) batched.push(i);
    });
    const inBatch = new Set(batched.length >= 2 ? batched : []);
    const singles = group.map((_, i) => i).filter((i) => !inBatch.has(i));
    for (const i of singles) {
      const entry = (sealed[i] as SealedRecord).entry;
      placements[i] = { index: firstIndex + entries.length, position: 0, count: 1 };
      entries.push({ index: firstIndex + entries.length, entry, leafHash: hashLeaf(entry) });
    }
    if (batched.length >= 2) {
      const entry = batchEntry(batched.map((i) => (sealed[i] as SealedRecord).entry));
      const index = firstIndex + entries.length;
      batched.forEach((i, position) => {
        placements[i] = { index, position, count: batched.length };
      });
      entries.push({ index, entry, leafHash: hashLeaf(entry) });
    }
    return { entries, placements };
  }

  async function commit(group: Waiting[], afterPrevious: boolean): Promise<void> {
    let sealed: SealedRecord[];
    try {
      sealed = sealRecords(group.map((w) => w.record));
    } catch {
      // One bad record must not sink the others: seal them one by one to find it.
      const good: Waiting[] = [];
      for (const waiting of group) {
        try {
          sealRecords([waiting.record]);
          good.push(waiting);
        } catch (error) {
          waiting.reject(error);
        }
      }
      if (good.length) await commit(good, afterPrevious);
      return;
    }
    const firstIndex = nextIndex;
    const { entries, placements } = plan(group, sealed, firstIndex);
    // Reserved now: a second group may be sealed and sent while this one is committing.
    nextIndex = firstIndex + entries.length;
    const now = clock.now();
    // Rows riding along with their records, one bulk insert per table and column list.
    const extra = new Map<string, BulkInsert & { rows: unknown[][] }>();
    for (const waiting of group) {
      const row = waiting.alsoInsert;
      if (!row) continue;
      const key = `${row.table}(${row.columns.join(',')})`;
      let insert = extra.get(key);
      if (!insert) {
        insert = { table: row.table, columns: row.columns, rows: [] };
        extra.set(key, insert);
      }
      insert.rows.push([...row.values]);
    }
    try {
      await store.insertMany(
        [
          {
            table: 'ledger_entries',
            columns: ['idx', 'entry', 'created_at'],
            rows: entries.map((e) => [e.index, Buffer.from(e.entry).toString('utf8'), now]),
          },
          {
            table: 'ledger_records',
            columns: [
              'record_type',
              'record_id',
              'idx',
              'position',
              'salt',
              'body',
              'commitment',
              'created_at',
            ],
            rows: sealed.map((s, i) => {
              const placement = placements[i] as { index: number; position: number };
              return [
                s.type,
                s.id,
                placement.index,
                placement.position,
                s.salt.toString('hex'),
                s.canonical,
                s.commitment.toString('hex'),
                now,
              ];
            }),
          },
          ...extra.values(),
        ],
        { afterPrevious },
      );
    } catch (error) {
      // Another writer may have taken these indexes, and a group sent after this one fails with
      // it: re-read the next index once nothing is in flight, before any new group starts.
      needsReload = true;
      deps.logger.error(
        { err: error, records: group.length },
        'ledger sequencing failed; nothing was recorded',
      );
      // A full disk keeps its own code, so callers and operators see why; anything else is the
      // ledger being unavailable. The driver's text goes to the log above, never to a caller.
      const failure = isCustosError(error, 'storage.full')
        ? error
        : new CustosError('ledger.unavailable', undefined, undefined, { cause: error });
      for (const waiting of group) waiting.reject(failure);
      return;
    }
    committedNext = firstIndex + entries.length;
    deps.onSequenced(entries);
    group.forEach((waiting, i) => {
      const placement = placements[i] as { index: number; position: number; count: number };
      const entry = entries[placement.index - firstIndex] as SequencedEntry;
      waiting.resolve({
        index: placement.index,
        leafHash: entry.leafHash,
        ...(placement.count > 1 ? { batch: { position: placement.position, count: placement.count } } : {}),
      });
    });
  }

  /**
   * Starts group commits while there is room. With a store that commits in call order, several
   * are in flight: when none is, the queue is split in two, so that while one half commits the
   * other is on its way, and callers woken by one commit compute while the next is on the disk.
   */
  function pump(): void {
    while (!needsReload && inflight.size < maxInflight && queue.length > 0) {
      // Another commit is worth its fsync only for a real group; a few appends wait instead.
      if (inflight.size > 0 && queue.length < minExtraGroup) break;
      const half = inflight.size === 0 && maxInflight > 1 && queue.length >= 16;
      const size = Math.min(options.maxGroup, half ? Math.ceil(queue.length / 2) : queue.length);
      const group = queue.slice(0, size);
      queue = queue.slice(size);
      const committing: Promise<void> = commit(group, inflight.size > 0).finally(async () => {
        inflight.delete(committing);
        if (needsReload && inflight.size === 0 && !reloading) {
          // Without the store's answer, fall back to what this process saw committed, never to
          // the indexes reserved for groups that failed: a gap would stop the log for good.
          reloading = loadNextIndex()
            .catch(() => committedNext)
            .then((next) => {
              nextIndex = next;
              needsReload = false;
              reloading = undefined;
            });
          await reloading;
        }
        // The next group starts from the event loop, not from this promise chain: callers
        // resume as microtasks, so chaining commits directly would starve timers and I/O (the
        // integrator, HTTP requests) for as long as appends keep coming.
        setImmediate(pump);
      });
      inflight.add(committing);
    }
  }

  return {
    async start(): Promise<number> {
      nextIndex = await loadNextIndex();
      committedNext = nextIndex;
      return nextIndex;
    },
    /** Resolves once the record and its entry are durably committed. */
    append(record: LedgerRecord, appendOptions: AppendOptions = {}): Promise<Sequenced> {
      if (closed) return Promise.reject(new CustosError('ledger.unavailable', 'the ledger is closed'));
      if (queue.length >= options.maxPending) {
        return Promise.reject(
          new CustosError('ledger.unavailable', 'the ledger is overloaded; nothing was recorded'),
        );
      }
      return new Promise<Sequenced>((resolve, reject) => {
        queue.push({
          record,
          batchable: appendOptions.batchable === true,
          alsoInsert: appendOptions.alsoInsert,
          resolve,
          reject,
        });
        // Start on a microtask, so that appends made together (a check and its disclosure) share
        // one commit instead of the first going alone.
        if (!pumpQueued) {
          pumpQueued = true;
          queueMicrotask(() => {
            pumpQueued = false;
            pump();
          });
        }
      });
    },
    /** The index the next entry will get. */
    get size(): number {
      return nextIndex;
    },
    /** Refuses new appends and waits until every queued one is committed or failed. */
    async close(): Promise<void> {
      closed = true;
      while (inflight.size || queue.length || reloading) {
        pump();
        await Promise.all([...inflight, reloading]);
        // Let the commits' own continuations (and a reload they start) run before looking again.
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

export type Sequencer = ReturnType<typeof createSequencer>;
