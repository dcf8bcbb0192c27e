import type { Command } from 'commander';
import { migrateToLatest, migrationStatus } from '../store/migrate.js';
import { openStore } from '../store/store.js';
import { configFrom, type GlobalOptions, type Io } from './context.js';

export function registerMigrate(program: Command, io: Io): void {
  program
    .command('migrate')
    .description('apply pending store migrations (serve also does this at start)')
    .option('--status', 'only list applied and pending migrations')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { status?: boolean }>();
      const config = configFrom(options, io);
      // Only the store: the rest of Custos expects a migrated schema.
      const store = await openStore({
        databaseUrl: config.database.url,
        dataDir: config.dataDir,
        schema: config.database.schema,
        poolSize: 1,
      });
      try {
        const report = options.status ? await migrationStatus(store) : await migrateToLatest(store);
        if (options.json) {
          io.out(JSON.stringify(report));
        } else if (options.status) {
          for (const name of report.applied) io.out(`applied  ${name}`);
          for (const name of report.pending) io.out(`pending  ${name}`);
        } else {
          io.out(report.applied.length ? `applied ${report.applied.join(', ')}` : 'the store is up to date');
        }
      } finally {
        await store.close();
      }
    });
}
