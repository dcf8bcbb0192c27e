import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import type { AccountHistory } from './types.js';

export interface HistoryCodec {
  encode(history: AccountHistory): string;
  /** A stored history that does not parse yields undefined (the account starts afresh). */
  decode(account: string, json: string): AccountHistory | undefined;
}

export type HistoryStore = ReturnType<typeof createHistoryStore>;

const historyColumns = ['account', 'history', 'updated_at'] as const;
const historyUpsert = { key: ['account'], update: ['history', 'updated_at'] } as const;

/**
 * Account histories in memory in front of the `ato_accounts` table. Reads fall through to the store
 * once per account; changes are written behind, all changed accounts in one transaction per flush,
 * so an assessment never waits for a write. A crash loses at most one flush interval of history
 * changes (never a decision: those are on the ledger before they are answered). The cache is
 * capped: the least recently used histories are dropped once they are written.
 */
export function createHistoryStore(deps: {
  store: Pick<Store, 'db' | 'insertMany'>;
  clock: Clock;
  logger: Pick<Logger, 'warn'>;
  codec: HistoryCodec;
  cacheSize: number;
}) {
  const { store, clock, logger, codec, cacheSize } = deps;
  // Insertion order is recency: a read re-inserts, so the first keys are the least recently used.
  const cache = new Map<string, AccountHistory | null>();
  const dirty = new Set<string>();
  const loading = new Map<string, Promise<AccountHistory | undefined>>();
  // Work on one account runs one event at a time: the history read, the rules and the write-back.
  const queues = new Map<string, Promise<unknown>>();

  function remember(account: string, history: AccountHistory | null): void {
    cache.delete(account);
    cache.set(account, history);
    if (cache.size <= cacheSize) return;
    for (const key of cache.keys()) {
      if (cache.size <= cacheSize) break;
      // A changed history stays until it is written.
      if (!dirty.has(key) && !queues.has(key)) cache.delete(key);
    }
  }

  async function load(account: string): Promise<AccountHistory | undefined> {
    const row = await store.db
      .selectFrom('ato_accounts')
      .select('history')
      .where('account', '=', account)
      .executeTakeFirst();
    if (!row) return undefined;
    const history = codec.decode(account, row.history);
    if (!history)
      logger.warn({ account }, 'a stored account history does not parse; the account starts afresh');
    return history;
  }

  return {
    /** The account's history, or undefined for an account never seen. */
    async get(account: string): Promise<AccountHistory | undefined> {
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
      const history = await pending;
      if (!cache.has(account)) remember(account, history ?? null);
      return cache.get(account) ?? undefined;
    },

    /** Keeps a changed history; it reaches the store with the next flush. */
    put(history: AccountHistory): void {
      remember(history.account, history);
      dirty.add(history.account);
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

    /** Writes every changed history in one transaction; on failure they stay changed for the next. */
    async flush(): Promise<void> {
      if (dirty.size === 0) return;
      const accounts = [...dirty];
      dirty.clear();
      const now = clock.now();
      const rows = accounts.flatMap((account) => {
        const history = cache.get(account);
        return history ? [[account, codec.encode(history), now]] : [];
      });
      try {
        // One bulk upsert: on SQLite it runs on the writer thread, so a flush after a busy second
        // (many thousands of accounts) never holds the event loop or waits on it for the write lock.
        await store.insertMany([
          { table: 'ato_accounts', columns: historyColumns, rows, upsert: historyUpsert },
        ]);
      } catch (error) {
        for (const account of accounts) dirty.add(account);
        throw error;
      }
    },

    /** Accounts held in memory, and how many of them wait to be written. */
    stats: () => ({ cached: cache.size, dirty: dirty.size }),
  };
}
