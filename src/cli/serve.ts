import type { Command } from 'commander';
import { type Custos, createCustos } from '../app.js';
import { isCustosError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { configFrom, type GlobalOptions, type Io } from './context.js';

/** Creates the first admin when the store has no users; returns the one-time password. */
export async function ensureFirstAdmin(custos: Custos, username = 'admin'): Promise<string | undefined> {
  if ((await custos.users.count()) > 0) return undefined;
  try {
    const { generatedPassword } = await custos.users.create({
      username,
      displayName: 'Administrator',
      roles: ['admin'],
      createdBy: 'system',
    });
    return generatedPassword;
  } catch (error) {
    // Another node starting at the same moment created it first.
    if (isCustosError(error, 'resource.conflict')) return undefined;
    throw error;
  }
}

export function printCredentials(io: Io, username: string, password: string): void {
  io.out('');
  io.out('  First admin account created. The password is shown only this once and opens one session,');
  io.out('  in which you choose your own (lost it? `custos user reset-password admin`):');
  io.out(`    username: ${username}`);
  io.out(`    password: ${password}`);
  io.out('');
}

function portFlag(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${value}`);
  return port;
}

export function registerServe(program: Command, io: Io): void {
  program
    .command('serve')
    .description(
      'run the Custos API and web console; migrates the store and creates the first admin on an empty store',
    )
    .option('--port <port>', 'TCP port (config server.port, CUSTOS_SERVER_PORT; default 7070)', portFlag)
    .option('--host <host>', 'listen address (config server.host, CUSTOS_SERVER_HOST; default 127.0.0.1)')
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { port?: number; host?: string }>();
      const config = configFrom(options, io, { 'server.port': options.port, 'server.host': options.host });
      const logger = createLogger(config.log);
      const custos = await createCustos(config, { logger });
      const password = await ensureFirstAdmin(custos);
      const address = await custos.api.app.listen({ host: config.server.host, port: config.server.port });
      custos.start();
      if (password) printCredentials(io, 'admin', password);
      io.out(`  Custos is listening on ${address}`);
      io.out(`  Console: ${address}/   API reference: ${address}/docs   Health: ${address}/healthz`);
      // Auditors pin this key to verify checkpoints and proofs (custos ledger verify --vkey).
      io.out(`  Ledger ${custos.ledger.origin}, verifier key: ${custos.ledger.vkey}`);
      io.out(`  Store: ${config.database.url ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}`);
      io.out('');

      let closing = false;
      const shutdown = (signal: string) => {
        if (closing) return;
        closing = true;
        logger.info({ signal }, 'shutting down');
        const timer = setTimeout(() => {
          logger.error('shutdown grace period exceeded; exiting');
          process.exit(1);
        }, config.server.shutdownGrace);
        timer.unref();
        custos
          .close()
          .then(() => process.exit(0))
          .catch(() => process.exit(1));
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}
