import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { type Clock, systemClock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { type BulkInsert, bulkInsertSql } from './bulk.js';
import { SchemaPostgresDialect } from './introspection.js';
import { createOutageWatch } from './outage.js';
import type { Database } from './schema.js';
import { createSqliteWriter, type SqliteWriter } from './sqlite-writer.js';

export type { BulkInsert } from './bulk.js';

export type Dialect = 'sqlite' | 'postgres';

/** Anything queries can run on: the store's handle or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Store {
  readonly dialect: Dialect;
  /** The PostgreSQL schema holding the tables; undefined on SQLite. */
  readonly schema: string | undefined;
  readonly db: Kysely<Database>;
  /** Runs `work` in one transaction; only database work belongs inside (no network calls). */
  transaction<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Throws `store.unavailable` when the database does not answer (the driver's error as `cause`). */
  ping(): Promise<void>;
  /**
   * Our error for a driver error that means the store is out of service: `storage.full` for a
   * full disk (which is then reported by `fullSince`), `store.unavailable` when the database
   * cannot be reached. Undefined for any other error. The driver's text stays on `cause`.
   */
  outage(error: unknown): CustosError | undefined;
  /**
   * Since when writes fail for a full disk (clock time); undefined once none has failed for it
   * in the last 30 seconds.
   */
  fullSince(): number | undefined;
  /**
   * Inserts many rows into several tables in one transaction, faster than the query builder:
   * prepared statements on SQLite, multi-row inserts on PostgreSQL. For append-heavy paths.
   */
  insertMany(inserts: readonly BulkInsert[], options?: InsertManyOptions): Promise<void>;
  /**
   * True when bulk inserts commit one after another in the order they were called, and a call
   * made with `afterPrevious` fails whenever the one before it failed. The ledger then keeps several
   * group commits in flight, so callers compute while the disk works. SQLite's writer thread
   * gives this; a PostgreSQL pool, whose transactions may finish in any order, does not.
   */
  readonly orderedInserts: boolean;
  close(): Promise<void>;
}

export interface InsertManyOptions {
  /** Fail without writing anything if the previous `insertMany` call failed. */
  afterPrevious?: boolean;
}

// Rows per INSERT statement on PostgreSQL, below its limit of 65,535 bound parameters.
const pgRowsPerInsert = 1000;

export interface StoreOptions {
  /** A postgres:// URL; when absent the SQLite file `<dataDir>/custos.db` is used. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PostgreSQL schema; created when missing. */
  schema?: string;
  poolSize?: number;
  /** SQLite only: a file path or `:memory:`, instead of the file in dataDir. */
  sqliteFile?: string;
  /** Times the store's full-disk reports; the system clock by default. */
  clock?: Clock;
}

// PostgreSQL returns int8 as text to avoid precision loss; our int8 columns hold millisecond
// times and counters far below 2^53, so numbers are safe and keep both dialects alike.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

function openSqlite(options: StoreOptions): {
  db: Kysely<Database>;
  database: SqliteDatabase.Database;
  file: string;
} {
  const file = options.sqliteFile ?? join(resolve(options.dataDir), 'custos.db');
  if (file !== ':memory:') {
    // The database holds everything Custos knows, so its folder and file are the owner's alone,
    // whatever the umask. SQLite would create the file 0644 and gives -wal and -shm the
    // database file's mode, so creating it 0600 first covers all three. Existing files keep theirs.
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
  }
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  // FULL makes each commit durable on power loss, which the ledger's acknowledgements rely on.
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // 64 MiB of page cache (the default is 2 MiB): the ledger's append-heavy indexes stay in memory.
  database.pragma('cache_size = -65536');
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingPrepare(database) }) }),
    database,
    file,
  };
}

// Distinct SQL texts whose prepared statements are kept. Queries differ only in their bound
// values, so a few hundred cover every query Custos makes; `in (?, ?, …)` lists add a few more.
const preparedCacheSize = 512;

/**
 * Kysely's SQLite driver prepares every query it runs, which on the access check's hot path costs
 * more than executing it. Statements are reusable once they have run, and the driver runs one
 * query at a time to completion, so a statement per SQL text can be kept and handed out again.
 */
function cachingPrepare(database: SqliteDatabase.Database) {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string): SqliteDatabase.Statement {
      // Kysely opens transactions with a deferred `begin`. The ledger's writer thread holds a
      // second connection, and a deferred transaction that reads and then writes after that
      // connection committed fails with SQLITE_BUSY_SNAPSHOT instead of waiting: take the write
      // lock up front, so the busy timeout applies.
      let sql = text === 'begin' ? 'begin immediate' : text;
      // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL among them); Kysely's
      // rollback would then fail with "no transaction is active" and hide the error that matters.
      if (text === 'rollback' && !database.inTransaction) sql = 'select 0 where 0';
      let statement = statements.get(sql);
      if (statement) {
        // Refresh its place: the map's order is the eviction order.
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= preparedCacheSize) {
          statements.delete(statements.keys().next().value as string);
        }
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}

// Rows per SQLite INSERT statement: one statement call per chunk instead of per row costs less
// in crossings between JavaScript and SQLite (bound parameters stay far below SQLite's 32,766).
const sqliteRowsPerInsert = 64;

/** Bulk inserts through better-sqlite3 prepared statements, inside Kysely's connection lock. */
function sqliteInsertMany(db: Kysely<Database>, database: SqliteDatabase.Database) {
  const statements = new Map<string, SqliteDatabase.Statement>();
  const prepare = (insert: BulkInsert, rows: number) => {
    const text = bulkInsertSql(insert, rows);
    let statement = statements.get(text);
    if (!statement) {
      statement = database.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
  const write = database.transaction((inserts: readonly BulkInsert[]) => {
    for (const insert of inserts) {
      for (let i = 0; i < insert.rows.length; i += sqliteRowsPerInsert) {
        const chunk = insert.rows.slice(i, i + sqliteRowsPerInsert);
        prepare(insert, chunk.length).run(chunk.flat());
      }
    }
  });
  // Holding Kysely's connection keeps this transaction from interleaving with one of Kysely's.
  return (inserts: readonly BulkInsert[]) => db.connection().execute(async () => write(inserts));
}

function pgInsertMany(db: Kysely<Database>) {
  return (inserts: readonly BulkInsert[]) =>
    db.transaction().execute(async (tx) => {
      for (const insert of inserts) {
        for (let i = 0; i < insert.rows.length; i += pgRowsPerInsert) {
          const rows = insert.rows
            .slice(i, i + pgRowsPerInsert)
            .map((row) => Object.fromEntries(insert.columns.map((c, j) => [c, row[j]])));
          const upsert = insert.upsert;
          // The table is chosen at run time, so its row type is not known statically.
          let query = tx.insertInto(insert.table).values(rows as never);
          if (upsert) {
            query = query.onConflict((oc) =>
              oc
                .columns(upsert.key as never)
                .doUpdateSet((eb) =>
                  Object.fromEntries(upsert.update.map((c) => [c, eb.ref(`excluded.${c}` as never)])),
                ),
            );
          }
          await query.execute();
        }
      }
    });
}

function openPostgres(options: StoreOptions & { databaseUrl: string }): Kysely<Database> {
  const schema = options.schema ?? 'public';
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    options: `-c search_path=${schema}`,
    types: pgTypes,
  });
  // A connection that breaks (the server restarted, the network dropped) emits 'error': on the
  // pool while idle, on the client while a query holds it. The query in flight fails on its own
  // (store.unavailable) and the pool discards the connection; without these listeners the event
  // would throw instead and take the whole process down.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new SchemaPostgresDialect({ pool }, schema) });
}

/** Opens the store named by the options: PostgreSQL when a URL is given, else embedded SQLite. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const dialect: Dialect = options.databaseUrl ? 'postgres' : 'sqlite';
  let db: Kysely<Database>;
  let insertMany: Store['insertMany'];
  let writer: SqliteWriter | undefined;
  let folder: string | undefined;
  if (dialect === 'postgres') {
    db = openPostgres(options as StoreOptions & { databaseUrl: string });
    insertMany = pgInsertMany(db);
  } else {
    const sqlite = openSqlite(options);
    db = sqlite.db;
    if (sqlite.file !== ':memory:') folder = dirname(sqlite.file);
    // A file store sends large batches to a writer thread; an in-memory one has one connection.
    const inThread = sqliteInsertMany(db, sqlite.database);
    if (sqlite.file === ':memory:') insertMany = inThread;
    else {
      const threaded = createSqliteWriter(sqlite.file, sqliteRowsPerInsert);
      writer = threaded;
      // The commit's statements and fsync run beside the event loop, which keeps serving
      // requests meanwhile.
      insertMany = (inserts, insertOptions) => threaded.insertMany(inserts, insertOptions);
    }
  }
  const watch = createOutageWatch({
    clock: options.clock ?? systemClock,
    ...(folder ? { folder } : {}),
  });
  /** Writes fail with our error when the store is out (a full disk is also noted for readiness). */
  async function watched<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      throw watch.outage(error) ?? error;
    }
  }
  const store: Store = {
    dialect,
    schema: dialect === 'postgres' ? (options.schema ?? 'public') : undefined,
    db,
    transaction: (work) => watched(() => db.transaction().execute(work)),
    insertMany: (inserts, insertOptions) => watched(() => insertMany(inserts, insertOptions)),
    orderedInserts: writer !== undefined,
    async ping() {
      if (writer?.failure) {
        throw new CustosError(
          'store.unavailable',
          'the SQLite writer thread stopped; restart Custos',
          undefined,
          {
            cause: writer.failure,
          },
        );
      }
      try {
        await sql`select 1`.execute(db);
      } catch (error) {
        throw new CustosError('store.unavailable', `the ${dialect} store does not answer`, undefined, {
          cause: error,
        });
      }
    },
    outage: (error) => watch.outage(error),
    fullSince: () => watch.fullSince(),
    async close() {
      await writer?.close();
      await db.destroy();
    },
  };
  if (dialect === 'postgres') {
    const schema = options.schema ?? 'public';
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    } catch (error) {
      await db.destroy();
      throw new CustosError('store.unavailable', 'cannot reach PostgreSQL', {
        reason: (error as Error).message,
      });
    }
  }
  return store;
}

/** True when `error` is a unique-constraint violation on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
