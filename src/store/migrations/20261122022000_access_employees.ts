import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Who each engineer is on the platform itself, who manages them and which team they are in,
  // so that lookups of oneself, of colleagues and of one's manager chain can be refused.
  await db.schema
    .createTable('access_employees')
    .addColumn('user_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('platform_user_id', 'text')
    .addColumn('manager_id', 'text')
    .addColumn('team', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('access_employees_platform_user')
    .on('access_employees')
    .column('platform_user_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_employees').execute();
}
