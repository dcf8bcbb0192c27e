import { type MigrationResult, Migrator } from 'kysely';
import { CustosError } from '../core/errors.js';
import { migrations } from './migrations/index.js';
import type { Store } from './store.js';

export interface MigrationReport {
  applied: string[];
  pending: string[];
}

function migrator(store: Store): Migrator {
  return new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'custos_migrations',
    migrationLockTableName: 'custos_migrations_lock',
    // Without a schema Kysely looks for its tables in every schema of the database, and would
    // take another Custos schema's bookkeeping for ours.
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
}

/** Applies every pending migration under the migrator's lock (safe with several nodes starting). */
export async function migrateToLatest(store: Store): Promise<MigrationReport> {
  const { error, results } = await migrator(store).migrateToLatest();
  const applied = (results ?? [])
    .filter((r: MigrationResult) => r.status === 'Success')
    .map((r) => r.migrationName);
  if (error) {
    const failed = (results ?? []).find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new CustosError('store.unavailable', `migration ${failed} failed: ${(error as Error).message}`);
  }
  return { applied, pending: [] };
}

/** Lists which migrations have run and which have not, without changing anything. */
export async function migrationStatus(store: Store): Promise<MigrationReport> {
  const all = await migrator(store).getMigrations();
  return {
    applied: all.filter((m) => m.executedAt).map((m) => m.name),
    pending: all.filter((m) => !m.executedAt).map((m) => m.name),
  };
}
