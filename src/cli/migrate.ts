import type { Command } from 'commander';
import { migrateToLatest, migrationStatus } from '../store/migrate.js';
import { type Io, withCustos } from './context.js';

export function registerMigrate(program: Command, io: Io): void {
  program
    .command('migrate')
    .description('apply pending store migrations (serve also does this at start)')
    .option('--status', 'only list applied and pending migrations')
    .action(async (_options, command: Command) => {
      await withCustos(
        command,
        io,
        async (custos, options) => {
          const report = options.status
            ? await migrationStatus(custos.store)
            : await migrateToLatest(custos.store);
          if (options.json) {
            io.out(JSON.stringify(report));
            return;
          }
          if (options.status) {
            for (const name of report.applied) io.out(`applied  ${name}`);
            for (const name of report.pending) io.out(`pending  ${name}`);
          } else {
            io.out(
              report.applied.length ? `applied ${report.applied.join(', ')}` : 'the store is up to date',
            );
          }
        },
        { migrate: false },
      );
    });
}
