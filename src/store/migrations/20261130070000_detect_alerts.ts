import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per alert, kept current as repeats group into it and people triage it; the alert as
  // raised is the ledger record `detect.alert`, and each change of status `detect.alert.status`.
  // The status, assignee and close reason columns are what counts; `body` holds the rest.
  await db.schema
    .createTable('detect_alerts')
    .addColumn('alert_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('rule_key', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('assignee', 'text')
    .addColumn('close_reason', 'text')
    .addColumn('first_at', 'bigint', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('detect_alerts_last')
    .on('detect_alerts')
    .columns(['last_at', 'alert_id'])
    .execute();
  await db.schema
    .createIndex('detect_alerts_status')
    .on('detect_alerts')
    .columns(['status', 'last_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('detect_alerts').execute();
}
