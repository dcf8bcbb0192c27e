import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { CustosError } from '../core/errors.js';
import type { Database } from './schema.js';

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
  /** Throws `store.unavailable` when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** A postgres:// URL; when absent the SQLite file `<dataDir>/custos.db` is used. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PostgreSQL schema; created when missing. */
  schema?: string;
  poolSize?: number;
  /** SQLite only: a file path or `:memory:`, instead of the file in dataDir. */
  sqliteFile?: string;
}

// PostgreSQL returns int8 as text to avoid precision loss; our int8 columns hold millisecond
// times and counters far below 2^53, so numbers are safe and keep both dialects alike.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

function openSqlite(options: StoreOptions): Kysely<Database> {
  const file = options.sqliteFile ?? join(resolve(options.dataDir), 'custos.db');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  // FULL makes each commit durable on power loss, which the ledger's acknowledgements rely on.
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}

function openPostgres(options: StoreOptions & { databaseUrl: string }): Kysely<Database> {
  const schema = options.schema ?? 'public';
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    options: `-c search_path=${schema}`,
    types: pgTypes,
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Opens the store named by the options: PostgreSQL when a URL is given, else embedded SQLite. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const dialect: Dialect = options.databaseUrl ? 'postgres' : 'sqlite';
  const db =
    dialect === 'postgres'
      ? openPostgres(options as StoreOptions & { databaseUrl: string })
      : openSqlite(options);
  const store: Store = {
    dialect,
    schema: dialect === 'postgres' ? (options.schema ?? 'public') : undefined,
    db,
    transaction: (work) => db.transaction().execute(work),
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (error) {
        throw new CustosError('store.unavailable', `the ${dialect} store does not answer`, {
          reason: (error as Error).message,
        });
      }
    },
    close: () => db.destroy(),
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
