import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Disabling a person revokes every grant they hold: found by holder, not by subject.
  await db.schema.createIndex('access_grants_actor').on('access_grants').column('actor_id').execute();
  // Break-glass is rationed per person and on-call window: their recent uses are counted.
  await db.schema
    .createIndex('access_break_glass_actor')
    .on('access_break_glass')
    .columns(['actor_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_break_glass_actor').execute();
  await db.schema.dropIndex('access_grants_actor').execute();
}
