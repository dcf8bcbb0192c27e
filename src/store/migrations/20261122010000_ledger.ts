import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per log entry, in index order: the sequenced log. Entries are small text commitments.
  await db.schema
    .createTable('ledger_entries')
    .addColumn('idx', 'bigint', (c) => c.primaryKey().notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // The records the entries commit to. Erasing a record clears body and salt; the commitment
  // stays, so the log still verifies and the erasure itself is visible.
  await db.schema
    .createTable('ledger_records')
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('salt', 'text')
    .addColumn('body', 'text')
    .addColumn('commitment', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('erased_at', 'bigint')
    .addPrimaryKeyConstraint('ledger_records_pk', ['record_type', 'record_id'])
    .execute();
  await db.schema
    .createIndex('ledger_records_idx')
    .on('ledger_records')
    .columns(['idx', 'position'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ledger_records').execute();
  await db.schema.dropTable('ledger_entries').execute();
}
