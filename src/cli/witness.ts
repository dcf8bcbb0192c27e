import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type Clock, systemClock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { hasForbiddenCharacters } from '../ledger/bytes.js';
import { COSIGNATURE_V1, generateKey, parseSignerKey, parseVerifierKey } from '../ledger/note.key.js';
import { createWitness, createWitnessServer, type Witness, type WitnessLog } from '../ledger/witness.js';
import { openFileWitnessState } from '../ledger/witness.state.js';
import { type Io, usageError } from './context.js';

export const DEFAULT_WITNESS_PORT = 7380;
export const DEFAULT_WITNESS_HOST = '127.0.0.1';

function readKeyFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw usageError(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

/** A verifier key given as its text or as a file holding it. */
function verifierKeyFrom(value: string) {
  try {
    return parseVerifierKey(value);
  } catch {
    if (!existsSync(value)) {
      throw usageError(`${JSON.stringify(value)} is neither a verifier key nor a file holding one`);
    }
    return parseVerifierKey(readKeyFile(value, 'verifier key file'));
  }
}

/**
 * Parses a `--log` value: `<origin>=<vkey or vkey file>`, or a bare vkey (or vkey file) whose key
 * name is the origin, as it is for logs that name their key after their origin.
 */
export function parseLogFlag(value: string): WitnessLog {
  try {
    const vkey = parseVerifierKey(value);
    return { origin: vkey.name, vkey };
  } catch {
    // Not a bare key; try origin=key below.
  }
  const equals = value.indexOf('=');
  if (equals < 0) {
    const vkey = verifierKeyFrom(value);
    return { origin: vkey.name, vkey };
  }
  const origin = value.slice(0, equals);
  if (origin === '' || origin.includes('\n') || hasForbiddenCharacters(origin)) {
    throw usageError(`--log ${JSON.stringify(value)}: the origin is empty or has a control character`);
  }
  return { origin, vkey: verifierKeyFrom(value.slice(equals + 1)) };
}

export interface StartWitnessOptions {
  /** File holding the witness's cosignature/v1 signer key (PRIVATE+KEY+…). */
  readonly keyFile: string;
  /** `--log` values: `<origin>=<vkey|vkey file>` or a bare vkey. */
  readonly logs: readonly string[];
  readonly stateDir: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly logger: Logger;
  readonly clock?: Clock;
}

export interface RunningWitness {
  /** `http://host:port` it listens on. */
  readonly address: string;
  readonly witness: Witness;
  /** Stops accepting requests, lets in-flight ones finish, and releases the state. */
  close(): Promise<void>;
}

/** Opens the state, builds the witness and listens; what `custos witness serve` runs. */
export async function startWitnessServer(options: StartWitnessOptions): Promise<RunningWitness> {
  if (options.logs.length === 0) throw usageError('give at least one --log <origin>=<vkey>');
  const keyText = readKeyFile(options.keyFile, 'witness key file');
  const key = parseSignerKey(keyText);
  if (key.type !== COSIGNATURE_V1) {
    throw usageError(
      `${options.keyFile} is not a cosignature/v1 key; create one with custos witness keygen --name <name>`,
    );
  }
  if ((statSync(options.keyFile).mode & 0o077) !== 0) {
    options.logger.warn(
      { file: options.keyFile },
      'witness key file is readable by other users; chmod 600 it',
    );
  }
  const logs = options.logs.map(parseLogFlag);
  const state = await openFileWitnessState(options.stateDir);
  try {
    const witness = createWitness({
      key,
      logs,
      state,
      clock: options.clock ?? systemClock,
      logger: options.logger,
    });
    const app = createWitnessServer(witness, { logger: options.logger });
    const address = await app.listen({
      host: options.host ?? DEFAULT_WITNESS_HOST,
      port: options.port ?? DEFAULT_WITNESS_PORT,
    });
    let closing: Promise<void> | undefined;
    return {
      address,
      witness,
      close: () => {
        closing ??= app.close().finally(() => state.close());
        return closing;
      },
    };
  } catch (error) {
    await state.close();
    throw error;
  }
}

function portFlag(value: string): number {
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) > 65535) throw usageError(`invalid port: ${value}`);
  return Number(value);
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Key files are named after the key name, with characters a file name cannot hold replaced. */
function keyFileBase(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** Stops the witness on SIGINT or SIGTERM, letting in-flight requests finish first. */
function stopOnSignals(running: RunningWitness, logger: Logger, io: Io): void {
  const shutdown = (signal: string) => {
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
    logger.info({ signal }, 'witness: shutting down');
    const timer = setTimeout(() => {
      logger.error('witness: shutdown grace period exceeded; exiting');
      process.exit(1);
    }, 10_000);
    timer.unref();
    running
      .close()
      .then(() => io.out('  witness stopped'))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'witness: shutdown failed');
        process.exitCode = 1;
      })
      .finally(() => clearTimeout(timer));
  };
  const onInt = () => shutdown('SIGINT');
  const onTerm = () => shutdown('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
}

/** `custos witness keygen` and `custos witness serve`. */
export function registerWitness(program: Command, io: Io): void {
  const witness = program
    .command('witness')
    .description(
      'run a transparency-log witness (c2sp.org/tlog-witness) that cosigns consistent checkpoints',
    );

  witness
    .command('keygen')
    .description(
      'create a witness key pair: <name>.skey (mode 0600, secret) and <name>.vkey; prints the vkey',
    )
    .requiredOption('--name <name>', 'the witness key name, a schema-less URL such as witness.example.com/w1')
    .option('--out-dir <dir>', 'folder to write the key files to (default: the current folder)', '.')
    .action((_options, command: Command) => {
      const options = command.optsWithGlobals<{ name: string; outDir: string; json?: boolean }>();
      const { skey, vkey } = generateKey(options.name, COSIGNATURE_V1);
      mkdirSync(options.outDir, { recursive: true, mode: 0o700 });
      const base = join(options.outDir, keyFileBase(options.name));
      const skeyFile = `${base}.skey`;
      const vkeyFile = `${base}.vkey`;
      for (const file of [skeyFile, vkeyFile]) {
        if (existsSync(file)) {
          throw new CustosError('action.not_allowed', `${file} already exists; a key is never overwritten`);
        }
      }
      // 'wx' refuses to replace a file that appeared since the check.
      writeFileSync(skeyFile, `${skey}\n`, { mode: 0o600, flag: 'wx' });
      writeFileSync(vkeyFile, `${vkey}\n`, { mode: 0o644, flag: 'wx' });
      if (options.json) {
        io.out(JSON.stringify({ name: options.name, vkey, skeyFile, vkeyFile }));
        return;
      }
      io.out(vkey);
      io.err(`wrote ${skeyFile} (secret, mode 0600) and ${vkeyFile}`);
    });

  witness
    .command('serve')
    .description('serve POST /add-checkpoint and GET /healthz; stops cleanly on SIGINT or SIGTERM')
    .requiredOption('--key <file>', 'file holding the witness signer key (from custos witness keygen)')
    .requiredOption(
      '--log <origin=vkey>',
      'a log to witness: <origin>=<vkey or vkey file>, or a bare vkey whose name is the origin; repeatable',
      repeat,
    )
    .requiredOption('--state-dir <dir>', 'folder for the last cosigned checkpoint per log and fork evidence')
    .option('--port <port>', `TCP port (default ${DEFAULT_WITNESS_PORT})`, portFlag)
    .option('--host <host>', `listen address (default ${DEFAULT_WITNESS_HOST})`)
    .option('--log-level <level>', `${logLevels.join(', ')} (default info)`, 'info')
    .action(async (_options, command: Command) => {
      const options = command.opts<{
        key: string;
        log: string[];
        stateDir: string;
        port?: number;
        host?: string;
        logLevel: string;
      }>();
      if (!logLevels.includes(options.logLevel)) {
        throw usageError(`--log-level ${options.logLevel}: use one of ${logLevels.join(', ')}`);
      }
      const logger = createLogger({ level: options.logLevel, pretty: false });
      const running = await startWitnessServer({
        keyFile: options.key,
        logs: options.log,
        stateDir: options.stateDir,
        host: options.host,
        port: options.port,
        logger,
      });
      io.out(`  witness ${running.witness.name} is listening on ${running.address}`);
      io.out(`  vkey: ${running.witness.vkey}`);
      io.out(`  state: ${options.stateDir}`);
      stopOnSignals(running, logger, io);
    });
}
