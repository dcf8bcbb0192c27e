import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/** The newest modification time of any file under these paths. */
function newest(paths: string[]): number {
  let latest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (stat.isDirectory())
      latest = Math.max(latest, newest(readdirSync(path).map((name) => join(path, name))));
    else latest = Math.max(latest, stat.mtimeMs);
  }
  return latest;
}

/**
 * Builds the web console into dist/web when its sources (or the ledger verifier it shares with
 * the server) changed since the last build, for the browser tests and the served `/`.
 */
function buildConsole(root: string): void {
  const built = join(root, 'dist/web/index.html');
  const sources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'src/ledger', 'package-lock.json'];
  if (existsSync(built) && statSync(built).mtimeMs >= newest(sources.map((path) => join(root, path)))) return;
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/vite/bin/vite.js'),
      'build',
      '--logLevel',
      'warn',
      '--config',
      'web/vite.config.ts',
    ],
    // Vitest sets NODE_ENV=test, which would give React's development build.
    { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
}

/**
 * Compiles src/ to dist/ once and builds the console, for the tests that run Custos as a real process, and names this
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
  buildConsole(root);
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
