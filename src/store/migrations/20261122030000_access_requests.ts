import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Access requests: who asks to see which fields of which users, why, on which ticket, and
  // where the request stands. Subjects, fields, operations and the policy explanation are JSON.
  await db.schema
    .createTable('access_requests')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('requester_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('subjects', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('operations', 'text', (c) => c.notNull())
    .addColumn('duration_ms', 'bigint', (c) => c.notNull())
    .addColumn('justification', 'text', (c) => c.notNull())
    .addColumn('tier', 'integer', (c) => c.notNull())
    .addColumn('protected_subjects', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('access_requests_status')
    .on('access_requests')
    .columns(['status', 'created_at'])
    .execute();
  await db.schema
    .createIndex('access_requests_requester')
    .on('access_requests')
    .columns(['requester_id', 'created_at'])
    .execute();

  // One decision per person per request: the primary key refuses a replayed or duplicated one.
  await db.schema
    .createTable('access_approvals')
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('approver_id', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('security', 'integer', (c) => c.notNull())
    .addColumn('management', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_approvals_pk', ['request_id', 'approver_id'])
    .execute();

  // Subjects who need stronger approval: public figures, journalists, executives.
  await db.schema
    .createTable('access_protected_subjects')
    .addColumn('subject_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // The grant an approved request produced, and who filed a ticket (for auto-approval of a
  // user's own support ticket).
  await db.schema.alterTable('access_grants').addColumn('request_id', 'text').execute();
  await db.schema.alterTable('access_tickets').addColumn('reporter_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('access_tickets').dropColumn('reporter_id').execute();
  await db.schema.alterTable('access_grants').dropColumn('request_id').execute();
  await db.schema.dropTable('access_protected_subjects').execute();
  await db.schema.dropTable('access_approvals').execute();
  await db.schema.dropTable('access_requests').execute();
}
