import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Access checks counted per hour, decision and leading reason: the overview's charts read
  // these few rows instead of the ledger. Nodes add their counts to a row, never replace it.
  await db.schema
    .createTable('access_check_counts')
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_check_counts_pk', ['hour', 'decision', 'reason'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_check_counts').execute();
}
