import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A grant: one actor, for a purpose and a ticket, over listed subjects × field classes ×
  // operations, between two times. Issued only by approval or break-glass; never standing.
  await db.schema
    .createTable('access_grants')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('operations', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_by', 'text')
    .addColumn('revoke_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('access_grants_ticket').on('access_grants').column('ticket_id').execute();

  // The subjects of each grant, one row each, so a check finds a grant by (actor, subject).
  await db.schema
    .createTable('access_grant_subjects')
    .addColumn('grant_id', 'text', (c) => c.notNull().references('access_grants.id'))
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_grant_subjects_pk', ['grant_id', 'subject_id'])
    .execute();
  await db.schema
    .createIndex('access_grant_subjects_lookup')
    .on('access_grant_subjects')
    .columns(['actor_id', 'subject_id', 'expires_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_grant_subjects').execute();
  await db.schema.dropTable('access_grants').execute();
}
