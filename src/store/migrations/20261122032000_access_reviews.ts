import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Access review campaigns: who still needs standing privilege or a long grant.
  await db.schema
    .createTable('access_review_campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deadline', 'bigint', (c) => c.notNull())
    .addColumn('grant_threshold_ms', 'bigint')
    .addColumn('include_roles', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reminded_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('access_review_campaigns_status')
    .on('access_review_campaigns')
    .columns(['status', 'deadline'])
    .execute();

  // One item per privilege under review: a grant, a user's role or a service key.
  await db.schema
    .createTable('access_review_items')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('holder_id', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('reviewer_id', 'text')
    .addColumn('decision', 'text')
    .addColumn('comment', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('outcome', 'text')
    .execute();
  await db.schema
    .createIndex('access_review_items_campaign')
    .on('access_review_items')
    .columns(['campaign_id', 'decision'])
    .execute();
  await db.schema
    .createIndex('access_review_items_reviewer')
    .on('access_review_items')
    .columns(['reviewer_id', 'decision'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_review_items').execute();
  await db.schema.dropTable('access_review_campaigns').execute();
}
