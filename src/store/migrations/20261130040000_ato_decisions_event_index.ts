import type { Kysely } from 'kysely';

// No query reads ato_decisions by (caller, event_id): repeated event ids are answered from memory,
// and takeovers find their decision by account first (the account index). Every assessment paid
// for the index on the ledger's write path all the same.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('ato_decisions_event').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('ato_decisions_event')
    .on('ato_decisions')
    .columns(['caller', 'event_id'])
    .execute();
}
