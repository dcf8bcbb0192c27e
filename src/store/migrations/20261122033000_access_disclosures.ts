import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per permitted access, written in the same transaction as its `access.disclosure`
  // ledger record: the index behind a user's "who looked at my data" listing.
  await db.schema
    .createTable('access_disclosures')
    .addColumn('record_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('visible_from', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('access_disclosures_subject')
    .on('access_disclosures')
    .columns(['subject_id', 'at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_disclosures').execute();
}
