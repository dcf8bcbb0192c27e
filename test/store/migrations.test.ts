import { type Kysely, sql, type TableMetadata } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, migrationStatus } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import type { Store } from '../../src/store/store.js';
import { backends, createTestStore, postgresUrl, type TestStore } from '../support/services.js';

const allMigrations = Object.keys(migrations);

describe.each(backends)('migrations on %s', (backend) => {
  let opened: TestStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.map((t) => t.dispose()));
    opened = [];
  });
  async function freshStore(): Promise<Store> {
    const testStore = await createTestStore(backend, { migrate: false });
    opened.push(testStore);
    return testStore.store;
  }

  it('lists every migration as pending on a fresh store', async () => {
    const store = await freshStore();
    expect(await migrationStatus(store)).toEqual({ applied: [], pending: allMigrations });
  });

  it('applies every migration in order on a fresh store and none on a second run', async () => {
    const store = await freshStore();
    expect((await migrateToLatest(store)).applied).toEqual(allMigrations);
    expect((await migrateToLatest(store)).applied).toEqual([]);
  });

  it('lists every migration as applied after migrating', async () => {
    const store = await freshStore();
    await migrateToLatest(store);
    expect(await migrationStatus(store)).toEqual({ applied: allMigrations, pending: [] });
  });

  it('applies the migrations once when two nodes migrate at the same time', async () => {
    const store = await freshStore();
    const reports = await Promise.all([migrateToLatest(store), migrateToLatest(store)]);
    expect(reports.flatMap((r) => r.applied)).toEqual(allMigrations);
    expect(await migrationStatus(store)).toEqual({ applied: allMigrations, pending: [] });
  });
});

/** One column as both dialects should agree on it. */
interface LogicalColumn {
  name: string;
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}

const typeAliases: Record<string, string> = {
  int8: 'bigint',
  float8: 'double precision',
  'double precision': 'double precision',
  bigint: 'bigint',
  int4: 'integer',
  integer: 'integer',
  text: 'text',
  varchar: 'text',
};

function normaliseType(type: string): string {
  const lower = type.toLowerCase();
  return typeAliases[lower] ?? lower;
}

async function logicalSchema(db: Kysely<unknown>, schema?: string): Promise<Record<string, LogicalColumn[]>> {
  const tables: TableMetadata[] = await db.introspection.getTables();
  const ours = tables.filter(
    (t) =>
      !t.isView && !t.name.startsWith('custos_migrations') && (schema === undefined || t.schema === schema),
  );
  return Object.fromEntries(
    ours
      .map((t) => [
        t.name,
        t.columns
          .map((c) => ({
            name: c.name,
            type: normaliseType(c.dataType),
            nullable: c.isNullable,
            hasDefault: c.hasDefaultValue,
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      ])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
}

describe.skipIf(!postgresUrl)('migrated schema', () => {
  let opened: TestStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.map((t) => t.dispose()));
    opened = [];
  });

  it('is created in a fresh PostgreSQL schema while another schema of the database already holds one', async () => {
    const existing = await createTestStore('postgres');
    opened.push(existing);
    const fresh = await createTestStore('postgres', { migrate: false });
    opened.push(fresh);
    expect((await migrateToLatest(fresh.store)).applied).toEqual(allMigrations);
    expect(await migrationStatus(fresh.store)).toEqual({ applied: allMigrations, pending: [] });
    expect(await migrationStatus(existing.store)).toEqual({ applied: allMigrations, pending: [] });
  });

  it('looks only at its own schema, so schemas dropped by others meanwhile cannot fail a migration', async () => {
    const ours = await createTestStore('postgres');
    opened.push(ours);
    const other = await createTestStore('postgres', { migrate: false });
    opened.push(other);
    await sql`create table ${sql.id(other.store.schema as string, 'foreign_table')} (id int)`.execute(
      other.store.db,
    );
    const seen = await ours.store.db.introspection.getTables();
    expect(seen.length).toBeGreaterThan(10);
    expect(new Set(seen.map((t) => t.schema))).toEqual(new Set([ours.store.schema]));
    expect((await ours.store.db.introspection.getSchemas()).map((s) => s.name)).toEqual([ours.store.schema]);
  });

  it('is the same on SQLite and PostgreSQL: tables, columns, types, nullability, defaults and indexes', async () => {
    const sqlite = await createTestStore('sqlite');
    opened.push(sqlite);
    const postgres = await createTestStore('postgres');
    opened.push(postgres);
    const pgDb = postgres.store.db as unknown as Kysely<unknown>;
    const sqliteDb = sqlite.store.db as unknown as Kysely<unknown>;
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(pgDb);
    const pgSchema = rows[0]?.schema as string;

    const sqliteTables = await logicalSchema(sqliteDb);
    const pgTables = await logicalSchema(pgDb, pgSchema);
    expect(Object.keys(sqliteTables)).toEqual([
      'access_approvals',
      'access_break_glass',
      'access_check_counts',
      'access_disclosures',
      'access_employees',
      'access_grant_subjects',
      'access_grants',
      'access_policy_versions',
      'access_protected_subjects',
      'access_requests',
      'access_review_campaigns',
      'access_review_items',
      'access_tickets',
      'api_keys',
      'ato_accounts',
      'ato_decision_counts',
      'ato_decisions',
      'ato_model_state',
      'ato_takeovers',
      'detect_alerts',
      'discovery_accounts',
      'discovery_attributions',
      'discovery_canary_hits',
      'discovery_decision_counts',
      'discovery_decisions',
      'ledger_entries',
      'ledger_records',
      'oidc_states',
      'outbox',
      'sessions',
      'shared_secrets',
      'users',
    ]);
    expect(pgTables).toEqual(sqliteTables);

    const sqliteIndexes = await sql<{ name: string }>`
      select name from sqlite_master where type = 'index' and name not like 'sqlite_%' order by name
    `.execute(sqliteDb);
    const pgIndexes = await sql<{ name: string }>`
      select i.indexname as name from pg_indexes i
      where i.schemaname = ${pgSchema}
        -- Indexes PostgreSQL creates for primary keys and unique constraints; SQLite's are
        -- the sqlite_autoindex_* ones left out above.
        and not exists (
          select 1 from pg_constraint c join pg_namespace n on n.oid = c.connamespace
          where n.nspname = i.schemaname and c.conname = i.indexname
        )
      order by i.indexname
    `.execute(pgDb);
    expect(sqliteIndexes.rows.map((r) => r.name)).not.toEqual([]);
    expect(pgIndexes.rows.map((r) => r.name)).toEqual(sqliteIndexes.rows.map((r) => r.name));
  });
});
