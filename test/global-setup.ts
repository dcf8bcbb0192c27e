import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Compiles src/ to dist/ once, for the tests that run Custos as a real process, and names this
 * run's PostgreSQL schemas. Schemas are dropped when the whole run ends, not after each test:
 * Kysely's migrator lists the tables of every schema, and a schema dropped by another test file
 * in the middle of that listing fails it with "schema … does not exist".
 */
export default function setup(): () => Promise<void> {
  const root = join(import.meta.dirname, '..');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const run = `t${randomBytes(4).toString('hex')}`;
  process.env.CUSTOS_TEST_RUN = run;
  return async () => {
    const url = process.env.CUSTOS_TEST_DATABASE_URL;
    if (!url) return;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ nspname: string }>(
        'select nspname from pg_namespace where starts_with(nspname, $1)',
        [`${run}_`],
      );
      for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`);
    } finally {
      await client.end();
    }
  };
}
