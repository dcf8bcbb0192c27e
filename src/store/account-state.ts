import { sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Database } from './schema.js';
import type { Store } from './store.js';

export interface StateCodec<S> {
  encode(state: S): string;
  /** A stored state that does not parse yields undefined (the account starts afresh). */
  decode(account: string, json: string): S | undefined;
}

/** The tables that keep one text state per account: `account` (key), the state, `updated_at`. */
export type AccountStateTable = {
  [T in keyof Database]: Database[T] extends { account: string; updated_at: unknown } ? T : never;
}[keyof Database] &
  string;

export type AccountStates<S extends { account: string }> = ReturnType<typeof createAccountStates<S>>;

/**
 * Per-account state (a takeover history, a discovery quota) in memory in front of a table of one
 * text column per account. Reads fall through to the store once per account; changes are written
 * behind, all changed accounts in one bulk upsert per flush, so a decision never waits for a
 * write. A crash loses at most one flush interval of changes (never a decision: those are on the
 * ledger before they are answered). The cache is capped: the least recently used states are
 * dropped once they are written.
 */
export function createAccountStates<S extends { account: string }>(deps: {
  store: Pick<Store, 'db' | 'insertMany'>;
  clock: Clock;
  logger: Pick<Logger, 'warn'>;
  codec: StateCodec<S>;
  cacheSize: number;
  table: AccountStateTable;
  /** The text column holding the encoded state. */
  column: string;
}) {
  const { store, clock, logger, codec, cacheSize, table, column } = deps;
  const columns = ['account', column, 'updated_at'];
  const upsert = { key: ['account'], update: [column, 'updated_at'] };
  // Insertion order is recency: a read re-inserts, so the first keys are the least recently used.
  const cache = new Map<string, S | null>();
  const dirty = new Set<string>();
  const loading = new Map<string, Promise<S | undefined>>();
  // Work on one account runs one event at a time: the state read, the decision and the write-back.
  const queues = new Map<string, Promise<unknown>>();

  function remember(account: string, state: S | null): void {
    cache.delete(account);
    cache.set(account, state);
    if (cache.size <= cacheSize) return;
    for (const key of cache.keys()) {
      if (cache.size <= cacheSize) break;
      // A changed state stays until it is written.
      if (!dirty.has(key) && !queues.has(key)) cache.delete(key);
    }
  }

  async function load(account: string): Promise<S | undefined> {
    // The table and column are chosen by the caller (our code), so the row type is not static.
    const row = await sql<{
      state: string;
    }>`select ${sql.ref(column)} as state from ${sql.table(table)} where account = ${account}`
      .execute(store.db)
      .then((result) => result.rows[0]);
    if (!row) return undefined;
    const state = codec.decode(account, row.state);
    if (!state)
      logger.warn({ account, table }, 'a stored account state does not parse; the account starts afresh');
    return state;
  }

  return {
    /** The account's state, or undefined for an account never seen. */
    async get(account: string): Promise<S | undefined> {
      const cached = cache.get(account);
      if (cached !== undefined) {
        remember(account, cached);
        return cached ?? undefined;
      }
      let pending = loading.get(account);
      if (!pending) {
        pending = load(account).finally(() => loading.delete(account));
        loading.set(account, pending);
      }
      const state = await pending;
      if (!cache.has(account)) remember(account, state ?? null);
      return cache.get(account) ?? undefined;
    },

    /** Keeps a changed state; it reaches the store with the next flush. */
    put(state: S): void {
      remember(state.account, state);
      dirty.add(state.account);
    },

    /** Runs `work` after every earlier piece of work on the same account has finished. */
    exclusive<T>(account: string, work: () => Promise<T>): Promise<T> {
      const before = queues.get(account) ?? Promise.resolve();
      const run = before.then(work, work);
      const settled = run.then(
        () => undefined,
        () => undefined,
      );
      queues.set(account, settled);
      void settled.then(() => {
        if (queues.get(account) === settled) queues.delete(account);
      });
      return run;
    },

    /** Writes every changed state in one bulk upsert; on failure they stay changed for the next. */
    async flush(): Promise<void> {
      if (dirty.size === 0) return;
      const accounts = [...dirty];
      dirty.clear();
      const now = clock.now();
      const rows = accounts.flatMap((account) => {
        const state = cache.get(account);
        return state ? [[account, codec.encode(state), now]] : [];
      });
      try {
        // One bulk upsert: on SQLite it runs on the writer thread, so a flush after a busy second
        // (many thousands of accounts) never holds the event loop or waits on it for the write lock.
        await store.insertMany([{ table, columns, rows, upsert }]);
      } catch (error) {
        for (const account of accounts) dirty.add(account);
        throw error;
      }
    },

    /** Accounts held in memory, and how many of them wait to be written. */
    stats: () => ({ cached: cache.size, dirty: dirty.size }),
  };
}
