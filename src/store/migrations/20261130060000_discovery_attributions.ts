import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per leaked dump traced through its canaries, for the console's list; the report
  // itself is the ledger record `discovery.attribution`.
  await db.schema
    .createTable('discovery_attributions')
    .addColumn('record_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('by_principal', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('parsed', 'bigint', (c) => c.notNull())
    .addColumn('canaries', 'integer', (c) => c.notNull())
    .addColumn('explained', 'integer', (c) => c.notNull())
    .addColumn('suspects', 'integer', (c) => c.notNull())
    .addColumn('top_account', 'text')
    .addColumn('top_canaries', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('discovery_attributions_at')
    .on('discovery_attributions')
    .columns(['at', 'record_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('discovery_attributions').execute();
}
