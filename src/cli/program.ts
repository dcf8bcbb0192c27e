import { Command } from 'commander';
import { registerApiKey } from './apikey.js';
import { replayAssessor, simAssessor, simLookups } from './ato.assessors.js';
import { registerAto } from './ato.js';
import { registerConfig } from './config.js';
import type { Io } from './context.js';
import { registerDetect } from './detect.js';
import { registerDiscovery } from './discovery.js';
import { registerInit } from './init.js';
import { registerLedger } from './ledger.js';
import { registerLedgerVerify } from './ledger.verify.js';
import { registerMigrate } from './migrate.js';
import { registerNote } from './note.js';
import { registerServe } from './serve.js';
import { registerSim } from './sim.js';
import { registerUser } from './user.js';
import { registerWebhook } from './webhook.js';
import { registerWitness } from './witness.js';

/** The `custos` command with every subcommand; output goes through `io`. */
export function buildProgram(io: Io): Command {
  const program = new Command('custos')
    .description('Custos: protects the user data of a messaging platform (API, ledger, guards)')
    .version('0.1.0')
    .option('-c, --config <file>', 'YAML config file (or CUSTOS_CONFIG)')
    .option('--data-dir <dir>', 'folder for the embedded store and ledger (config dataDir, CUSTOS_DATA_DIR)')
    .option('--json', 'print data as JSON')
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    });
  registerServe(program, io);
  registerInit(program, io);
  registerMigrate(program, io);
  registerUser(program, io);
  registerApiKey(program, io);
  registerConfig(program, io);
  registerLedgerVerify(registerLedger(program, io), io);
  registerNote(program, io);
  registerWitness(program, io);
  registerWebhook(program, io);
  registerAto(program, io, replayAssessor(program, io));
  registerDiscovery(program, io);
  registerDetect(program, io);
  registerSim(program, io, simAssessor(program, io), simLookups(program, io));
  return program;
}
