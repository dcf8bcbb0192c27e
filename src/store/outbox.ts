import type { Insertable } from 'kysely';
import type { Clock } from '../core/clock.js';
import { type CustosEvent, topicMatches } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Database, OutboxRow, OutboxTable } from './schema.js';
import type { BulkInsert, Executor, Store } from './store.js';

/** A named destination and the topics it wants. `bus` always takes every event. */
export interface OutboxRoute {
  destination: string;
  topics: string[];
}

/** The destination that appends an event to the ledger as a record of its own. */
export const ledgerDestination = 'ledger';

export interface EnqueueOptions {
  /**
   * Also append the event to the ledger as a record (its topic as the type, its id as the id),
   * delivered after commit with retries like any other destination: the change and its record
   * can never part, whatever crashes in between.
   */
  record?: boolean;
}

export interface Outbox {
  /**
   * Records `event` for delivery to every matching destination, inside the caller's transaction,
   * so the event exists exactly when the change that caused it was committed.
   */
  enqueue(tx: Executor, event: CustosEvent, options?: EnqueueOptions): Promise<void>;
  /**
   * The outbox rows `enqueue` would write for `events`, for a caller that commits them with
   * `Store.insertMany` (on SQLite, the writer thread: no write lock taken on the event loop).
   */
  rows(events: readonly CustosEvent[], options?: EnqueueOptions): BulkInsert;
}

const outboxColumns = ['id', 'topic', 'destination', 'payload', 'next_attempt_at', 'created_at'] as const;

export function createOutbox(deps: { clock: Clock; routes: OutboxRoute[] }): Outbox {
  /** One row per destination that wants `event`. */
  function rowsOf(event: CustosEvent, options: EnqueueOptions): Insertable<OutboxTable>[] {
    const now = deps.clock.now();
    const destinations = deps.routes
      .filter((route) => route.topics.some((pattern) => topicMatches(pattern, event.topic)))
      .map((route) => route.destination);
    if (options.record) destinations.push(ledgerDestination);
    const payload = JSON.stringify(event);
    return destinations.map((destination) => ({
      id: newId('obx', deps.clock),
      topic: event.topic,
      destination,
      payload,
      next_attempt_at: now,
      created_at: now,
    }));
  }

  return {
    async enqueue(tx, event, options = {}) {
      const rows = rowsOf(event, options);
      if (rows.length) await tx.insertInto('outbox').values(rows).execute();
    },
    rows(events, options = {}) {
      return {
        table: 'outbox',
        columns: outboxColumns,
        rows: events.flatMap((event) =>
          rowsOf(event, options).map((row) => outboxColumns.map((c) => row[c])),
        ),
      };
    },
  };
}

/**
 * Inserts a row and enqueues the event that announces it, in one transaction: the pattern of
 * every "create" that others must hear about.
 */
export async function insertAnnounced<T extends keyof Database & string>(
  store: Pick<Store, 'transaction'>,
  outbox: Outbox,
  insert: { table: T; row: Insertable<Database[T]> },
  event: CustosEvent,
  options?: EnqueueOptions,
): Promise<void> {
  await store.transaction(async (tx) => {
    // The table is a type parameter, so Kysely cannot check the row against it statically.
    await tx
      .insertInto(insert.table)
      .values(insert.row as never)
      .execute();
    await outbox.enqueue(tx, event, options);
  });
}

/** Delivers one event to one destination; throwing schedules a retry. */
export type DeliverFn = (destination: string, event: CustosEvent) => Promise<void>;

export interface DispatcherOptions {
  pollIntervalMs: number;
  batchSize: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long a claimed delivery is hidden from other dispatchers; longer than a delivery takes. */
  leaseMs: number;
}

export interface DispatchReport {
  delivered: number;
  retried: number;
  dead: number;
}

export interface OutboxDispatcher {
  /** Claims due deliveries and attempts each once. */
  runOnce(): Promise<DispatchReport>;
  start(): void;
  /** Stops polling and waits for the deliveries in progress. */
  stop(): Promise<void>;
  /** Counts of deliveries not yet delivered, by state. */
  backlog(): Promise<{ pending: number; dead: number }>;
}

/** Delay before attempt `attempt + 1`: exponential, capped, with jitter in its upper half. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function createOutboxDispatcher(deps: {
  store: Pick<Store, 'db' | 'dialect' | 'transaction'>;
  clock: Clock;
  logger: Logger;
  deliver: DeliverFn;
  options: DispatcherOptions;
}): OutboxDispatcher {
  const { store, clock, logger, options } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  /**
   * Claims rows by pushing their next attempt past the lease. The update re-checks the due time,
   * so two dispatchers racing for one row cannot both claim it.
   */
  async function claim(): Promise<OutboxRow[]> {
    const now = clock.now();
    const take = async (db: Executor): Promise<OutboxRow[]> => {
      let query = db
        .selectFrom('outbox')
        .select('id')
        .where('delivered_at', 'is', null)
        .where('dead_at', 'is', null)
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(options.batchSize);
      // On PostgreSQL, rows another dispatcher is claiming are skipped rather than waited for,
      // and stay locked until this transaction ends; two UPDATEs racing over the same rows in
      // different orders could otherwise deadlock.
      if (store.dialect === 'postgres') query = query.forUpdate().skipLocked();
      const due = await query.execute();
      if (due.length === 0) return [];
      // The due time is checked again, so a row claimed meanwhile is not claimed twice.
      return db
        .updateTable('outbox')
        .set({ next_attempt_at: now + options.leaseMs })
        .where(
          'id',
          'in',
          due.map((row) => row.id),
        )
        .where('next_attempt_at', '<=', now)
        .where('delivered_at', 'is', null)
        .returningAll()
        .execute();
    };
    return store.dialect === 'postgres' ? store.transaction(take) : take(store.db);
  }

  async function attempt(row: OutboxRow): Promise<keyof DispatchReport> {
    const attempts = row.attempts + 1;
    try {
      await deps.deliver(row.destination, JSON.parse(row.payload) as CustosEvent);
      await store.db
        .updateTable('outbox')
        .set({ delivered_at: clock.now(), attempts, last_error: null })
        .where('id', '=', row.id)
        .execute();
      return 'delivered';
    } catch (error) {
      const message = (error as Error).message?.slice(0, 500) ?? String(error);
      const dead = attempts >= options.maxAttempts;
      await store.db
        .updateTable('outbox')
        .set({
          attempts,
          last_error: message,
          next_attempt_at: clock.now() + retryDelay(attempts, options.backoffBaseMs, options.backoffMaxMs),
          dead_at: dead ? clock.now() : null,
        })
        .where('id', '=', row.id)
        .execute();
      logger[dead ? 'error' : 'warn'](
        { outboxId: row.id, destination: row.destination, topic: row.topic, attempts, error: message },
        dead ? 'outbox delivery failed for the last time' : 'outbox delivery failed; will retry',
      );
      return dead ? 'dead' : 'retried';
    }
  }

  async function runOnce(): Promise<DispatchReport> {
    const report: DispatchReport = { delivered: 0, retried: 0, dead: 0 };
    const rows = await claim();
    const outcomes = await Promise.all(rows.map(attempt));
    for (const outcome of outcomes) report[outcome]++;
    return report;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce()
        .catch((error: unknown) => logger.error({ err: error }, 'outbox poll failed'))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, options.pollIntervalMs);
    timer.unref();
  }

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    async backlog() {
      const rows = await store.db
        .selectFrom('outbox')
        .select((eb) => [
          eb.fn.countAll<number>().filterWhere('dead_at', 'is', null).as('pending'),
          eb.fn.countAll<number>().filterWhere('dead_at', 'is not', null).as('dead'),
        ])
        .where('delivered_at', 'is', null)
        .executeTakeFirstOrThrow();
      return { pending: Number(rows.pending), dead: Number(rows.dead) };
    },
  };
}
