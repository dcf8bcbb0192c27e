import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore, type Store } from '../../src/store/store.js';

/**
 * Tests that need a real server read its URL from CUSTOS_TEST_*. On a laptop without the server
 * they skip; under CI=true a missing URL is a failure, so CI can never pass by skipping.
 */
export function serviceUrl(name: 'DATABASE' | 'REDIS' | 'NATS'): string | undefined {
  const url = process.env[`CUSTOS_TEST_${name}_URL`];
  if (!url && process.env.CI === 'true') {
    throw new Error(
      `CI=true but CUSTOS_TEST_${name}_URL is not set: the tests that need it would be skipped`,
    );
  }
  return url;
}

export const postgresUrl = serviceUrl('DATABASE');
export const redisUrl = serviceUrl('REDIS');
export const natsUrl = serviceUrl('NATS');

export type Backend = 'sqlite' | 'postgres';

/** The store backends to run a suite on: SQLite always, PostgreSQL when available. */
export const backends: Backend[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/**
 * A PostgreSQL schema of this test run's own, dropped when the run ends (see global-setup.ts), so
 * no schema disappears while another test file's migrator is listing them all.
 */
export function testSchemaName(): string {
  return uniqueName(process.env.CUSTOS_TEST_RUN ?? 't');
}

export interface TestStore {
  store: Store;
  /** Drops the schema or deletes the folder. */
  dispose(): Promise<void>;
  dataDir: string;
}

/** A fresh, migrated store in its own SQLite folder or PostgreSQL schema. */
export async function createTestStore(
  backend: Backend,
  options: { migrate?: boolean } = {},
): Promise<TestStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-test-'));
  const schema = testSchemaName();
  const store = await openStore(
    backend === 'postgres' ? { databaseUrl: postgresUrl, dataDir, schema, poolSize: 4 } : { dataDir },
  );
  if (options.migrate !== false) await migrateToLatest(store);
  return {
    store,
    dataDir,
    async dispose() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
