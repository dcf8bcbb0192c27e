import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { CustosError } from '../core/errors.js';
import { type BulkInsert, bulkInsertSql } from './bulk.js';
import type { InsertManyOptions } from './store.js';

// The worker's code, plain JavaScript so that it runs the same from the TypeScript sources (tests)
// and from the build. It owns a second connection to the SQLite file and runs each batch of bulk
// inserts as one transaction; the commit's fsync then blocks this thread, not the event loop.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -65536');
const statements = new Map();
function statement(text) {
  let found = statements.get(text);
  if (!found) {
    found = db.prepare(text);
    statements.set(text, found);
  }
  return found;
}
// Each insert comes with its statement texts: one for a full chunk of rows, one for the rest.
const write = db.transaction((inserts) => {
  for (const insert of inserts) {
    for (let i = 0; i < insert.rows.length; i += workerData.rowsPerInsert) {
      const chunk = insert.rows.slice(i, i + workerData.rowsPerInsert);
      statement(chunk.length === workerData.rowsPerInsert ? insert.full : insert.rest).run(chunk.flat());
    }
  }
});
let lastFailed = false;
parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.postMessage({ closed: true });
    return;
  }
  if (message.afterPrevious && lastFailed) {
    parentPort.postMessage({ id: message.id, ok: false, message: 'an earlier batch it depends on failed' });
    return;
  }
  try {
    write.immediate(message.inserts);
    lastFailed = false;
    parentPort.postMessage({ id: message.id, ok: true });
  } catch (error) {
    lastFailed = true;
    parentPort.postMessage({ id: message.id, ok: false, message: String(error && error.message), code: error && error.code });
  }
});
`;

export interface SqliteWriter {
  /** Why the writer thread stopped, if it did; every insert then fails until restart. */
  readonly failure: Error | undefined;
  /** Batches commit in call order; with `afterPrevious`, a batch fails if the one before it did. */
  insertMany(inserts: readonly BulkInsert[], options?: InsertManyOptions): Promise<void>;
  close(): Promise<void>;
}

/**
 * Bulk inserts on a worker thread with its own connection to the SQLite file. The ledger's group
 * commits go through it: their statements and fsync run beside the event loop instead of in it, so
 * HTTP requests and checks keep being served while a commit is on its way to the disk. Callers are
 * answered only after the commit returned, so durability is unchanged.
 */
export function createSqliteWriter(file: string, rowsPerInsert: number): SqliteWriter {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(workerSource, { eval: true, workerData: { file, driver, rowsPerInsert } });
  // An idle writer must not keep the process alive.
  worker.unref();
  const waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let failed: Error | undefined;
  let closing: Promise<void> | undefined;
  // Statement texts by shape, built once on this side so both connections write the same SQL.
  const texts = new Map<string, string>();
  const statementText = (insert: BulkInsert, rows: number): string => {
    const shape = `${insert.table}(${insert.columns.join(',')})${insert.upsert ? `^${insert.upsert.key.join(',')}:${insert.upsert.update.join(',')}` : ''}x${rows}`;
    let text = texts.get(shape);
    if (text === undefined) {
      text = bulkInsertSql(insert, rows);
      texts.set(shape, text);
    }
    return text;
  };

  const failAll = (error: Error) => {
    failed = error;
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };
  worker.on('message', (message: { id: number; ok: boolean; message?: string; code?: string }) => {
    const entry = waiting.get(message.id);
    if (!entry) return;
    waiting.delete(message.id);
    if (waiting.size === 0) worker.unref();
    if (message.ok) entry.resolve();
    else {
      const error = new Error(message.message ?? 'the SQLite writer failed') as Error & { code?: string };
      if (message.code) error.code = message.code;
      entry.reject(error);
    }
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => {
    // An error that stopped the thread came first and says why; the exit only repeats it.
    if (!closing && !failed)
      failAll(new CustosError('store.unavailable', `the SQLite writer stopped (exit code ${code})`));
  });

  return {
    get failure() {
      return failed;
    },
    insertMany(inserts, options) {
      if (failed) return Promise.reject(failed);
      if (closing) return Promise.reject(new CustosError('store.unavailable', 'the store is closing'));
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({
          id,
          inserts: inserts.map((insert) => ({
            rows: insert.rows,
            full: statementText(insert, rowsPerInsert),
            rest: statementText(insert, insert.rows.length % rowsPerInsert),
          })),
          afterPrevious: options?.afterPrevious === true,
        });
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (failed) {
          void worker.terminate().then(() => resolve());
          return;
        }
        worker.ref();
        worker.once('exit', () => resolve());
        worker.on('message', (message: { closed?: boolean }) => {
          if (message.closed) void worker.terminate();
        });
        worker.postMessage({ close: true });
      });
      return closing;
    },
  };
}
