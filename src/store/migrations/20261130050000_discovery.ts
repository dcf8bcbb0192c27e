import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per account that ever looked up numbers: its quota and the fingerprints of every
  // number it was answered, as JSON text, written behind by the guard.
  await db.schema
    .createTable('discovery_accounts')
    .addColumn('account', 'text', (c) => c.primaryKey().notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('discovery_accounts').execute();
}
