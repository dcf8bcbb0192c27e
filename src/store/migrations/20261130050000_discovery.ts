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

  // Every decision other than a plain allow, indexed for the console; its ledger record
  // (`discovery.decision`) holds the reasons.
  await db.schema
    .createTable('discovery_decisions')
    .addColumn('record_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('device', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('numbers', 'integer', (c) => c.notNull())
    .addColumn('allowed', 'integer', (c) => c.notNull())
    .addColumn('caller', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('discovery_decisions_account')
    .on('discovery_decisions')
    .columns(['account', 'at'])
    .execute();
  await db.schema.createIndex('discovery_decisions_at').on('discovery_decisions').column('at').execute();

  // Checks per hour, decision and leading reason, for the console's charts.
  await db.schema
    .createTable('discovery_decision_counts')
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('discovery_decision_counts_pk', ['hour', 'decision', 'reason'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('discovery_decision_counts').execute();
  await db.schema.dropTable('discovery_decisions').execute();
  await db.schema.dropTable('discovery_canary_hits').execute();
  await db.schema.dropTable('discovery_accounts').execute();
}
