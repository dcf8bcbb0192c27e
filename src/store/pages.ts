import { type SelectQueryBuilder, sql } from 'kysely';

/** Where a page ordered by (at, record_id) descending stopped: its last row's time and id. */
export interface TimeIdKey {
  at: number;
  id: string;
}

/**
 * One page of a query over a table with `at` and `record_id`, newest first: the rows after
 * `before` (keyset paging, so a page never shifts as rows are added), and the key of the next page
 * when more rows follow. The columns are named in SQL fragments: the tables differ, the keyset does
 * not.
 */
export async function newestFirst<DB, TB extends keyof DB, O extends { at: unknown; record_id: string }>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: { before?: TimeIdKey | undefined; limit: number },
): Promise<{ rows: O[]; next: TimeIdKey | null }> {
  const { before, limit } = page;
  const filtered = before
    ? query.where(sql<boolean>`(at < ${before.at} or (at = ${before.at} and record_id < ${before.id}))`)
    : query;
  const found = await filtered
    .orderBy(sql`at`, 'desc')
    .orderBy(sql`record_id`, 'desc')
    .limit(limit + 1)
    .execute();
  const rows = found.slice(0, limit);
  const last = rows.at(-1);
  return {
    rows,
    next: found.length > limit && last ? { at: Number(last.at), id: last.record_id } : null,
  };
}
