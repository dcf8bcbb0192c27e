import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Emergency self-issued grants and their after-the-fact review. Subjects and fields are JSON.
  await db.schema
    .createTable('access_break_glass')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('incident', 'text')
    .addColumn('subjects', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('review_due_at', 'bigint', (c) => c.notNull())
    .addColumn('reviewed_at', 'bigint')
    .addColumn('reviewed_by', 'text')
    .addColumn('outcome', 'text')
    .addColumn('review_comment', 'text')
    .addColumn('escalated_at', 'bigint')
    .addColumn('escalation', 'text')
    .execute();
  await db.schema
    .createIndex('access_break_glass_due')
    .on('access_break_glass')
    .columns(['reviewed_at', 'review_due_at'])
    .execute();

  // Until when an engineer is on call, as the paging system says; break-glass needs it.
  await db.schema.alterTable('access_employees').addColumn('on_call_until', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_employees').dropColumn('on_call_until').execute();
  await db.schema.dropTable('access_break_glass').execute();
}
