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

  // Canary numbers answered "registered" to an account: what a leaked dump is traced back to.
  await db.schema
    .createTable('discovery_canary_hits')
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('cohort', 'text', (c) => c.notNull())
    .addColumn('period', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('check_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('discovery_canary_hits_number')
    .on('discovery_canary_hits')
    .columns(['number', 'at'])
    .execute();
  await db.schema.createIndex('discovery_canary_hits_at').on('discovery_canary_hits').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('discovery_canary_hits').execute();
  await db.schema.dropTable('discovery_accounts').execute();
}
