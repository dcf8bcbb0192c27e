import type { Database } from './schema.js';

/** Rows for one table; every row has the same columns, in the same order as `columns`. */
export interface BulkInsert {
  table: keyof Database & string;
  columns: readonly string[];
  rows: readonly (readonly unknown[])[];
  /**
   * Makes the insert an upsert: a row whose `key` columns match an existing row replaces that
   * row's `update` columns instead of failing. A batch must not hold the same key twice.
   */
  upsert?: { key: readonly string[]; update: readonly string[] };
}

/**
 * SQLite's text of a multi-row INSERT for `rows` rows of `insert`, with its ON CONFLICT clause
 * when it is an upsert (PostgreSQL's goes through the query builder). Table and column names come
 * from our code, never from input; values are bound.
 */
export function bulkInsertSql(
  insert: Pick<BulkInsert, 'table' | 'columns' | 'upsert'>,
  rows: number,
): string {
  const quote = (c: string) => `"${c}"`;
  const tuple = `(${insert.columns.map(() => '?').join(', ')})`;
  let text = `insert into "${insert.table}" (${insert.columns.map(quote).join(', ')}) values ${Array.from({ length: rows }, () => tuple).join(', ')}`;
  if (insert.upsert) {
    const set = insert.upsert.update.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ');
    text += ` on conflict (${insert.upsert.key.map(quote).join(', ')}) do update set ${set}`;
  }
  return text;
}
