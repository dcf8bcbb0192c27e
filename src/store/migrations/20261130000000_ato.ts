import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What the takeover defence remembers of each account (bounded JSON, see ato/history.ts),
  // written behind the assessments in batches.
  await db.schema
    .createTable('ato_accounts')
    .addColumn('account', 'text', (c) => c.primaryKey().notNull())
    .addColumn('history', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // One row per assessment, written in the same transaction as its `ato.decision` ledger record:
  // the index the console searches by account, number and address.
  await db.schema
    .createTable('ato_decisions')
    .addColumn('record_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text')
    .addColumn('account', 'text')
    .addColumn('phone', 'text')
    .addColumn('ip', 'text')
    .addColumn('device', 'text')
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('caller', 'text', (c) => c.notNull())
    .execute();
  for (const column of ['account', 'phone', 'ip'] as const) {
    await db.schema
      .createIndex(`ato_decisions_${column}`)
      .on('ato_decisions')
      .columns([column, 'at'])
      .execute();
  }
  await db.schema.createIndex('ato_decisions_at').on('ato_decisions').column('at').execute();
  await db.schema
    .createIndex('ato_decisions_event')
    .on('ato_decisions')
    .columns(['caller', 'event_id'])
    .execute();

  // Assessments per hour, decision and leading reason, for the console's charts.
  await db.schema
    .createTable('ato_decision_counts')
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ato_decision_counts_pk', ['hour', 'decision', 'reason'])
    .execute();

  // Takeovers the platform confirmed, the ground truth that evaluation compares decisions with.
  await db.schema
    .createTable('ato_takeovers')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('happened_at', 'bigint', (c) => c.notNull())
    .addColumn('reported_at', 'bigint', (c) => c.notNull())
    .addColumn('event_id', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('reporter', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ato_takeovers_account')
    .on('ato_takeovers')
    .columns(['account', 'happened_at'])
    .execute();
  await db.schema.createIndex('ato_takeovers_reported').on('ato_takeovers').column('reported_at').execute();

  // Snapshots of the model's global distribution, so a restart does not forget what is common.
  await db.schema
    .createTable('ato_model_state')
    .addColumn('name', 'text', (c) => c.primaryKey().notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'ato_model_state',
    'ato_takeovers',
    'ato_decision_counts',
    'ato_decisions',
    'ato_accounts',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
