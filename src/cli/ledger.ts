import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CustosError } from '../core/errors.js';
import { auditLedger } from '../ledger/audit.js';
import { generateKey } from '../ledger/note.key.js';
import { createTileCache } from '../ledger/tilecache.js';
import { type Io, withCustos } from './context.js';
import { progressReporter } from './progress.js';

export function registerLedger(program: Command, io: Io): Command {
  const ledger = program
    .command('ledger')
    .description('the tamper-evident ledger: keys, status, audit, verification');

  ledger
    .command('keygen')
    .description('create a signing key pair in the note format (<name>.skey mode 0600, <name>.vkey)')
    .requiredOption('--origin <origin>', 'log origin, also the key name (e.g. example.com/custos)')
    .option('--out-dir <dir>', 'folder to write the two files to', '.')
    .action((_options, command: Command) => {
      const options = command.optsWithGlobals<{ origin: string; outDir: string; json?: boolean }>();
      const { skey, vkey } = generateKey(options.origin);
      const base = options.origin.replace(/[^A-Za-z0-9._-]/g, '_');
      mkdirSync(options.outDir, { recursive: true });
      const skeyFile = join(options.outDir, `${base}.skey`);
      const vkeyFile = join(options.outDir, `${base}.vkey`);
      writeFileSync(skeyFile, `${skey}\n`, { mode: 0o600, flag: 'wx' });
      writeFileSync(vkeyFile, `${vkey}\n`, { flag: 'wx' });
      if (options.json) io.out(JSON.stringify({ skeyFile, vkeyFile, vkey }));
      else io.out(`wrote ${skeyFile} (secret, mode 0600) and ${vkeyFile}\n${vkey}`);
    });

  ledger
    .command('status')
    .description('print the origin, verifier key, sizes and latest checkpoint of the local ledger')
    .action(async (_options, command: Command) => {
      await withCustos(command, io, async (custos, options) => {
        const status = {
          origin: custos.ledger.origin,
          vkey: custos.ledger.vkey,
          ...custos.ledger.sizes(),
          checkpoint: custos.ledger.checkpoint(),
        };
        if (options.json) io.out(JSON.stringify(status));
        else {
          io.out(`origin      ${status.origin}\nvkey        ${status.vkey}`);
          io.out(`sequenced   ${status.sequenced}\nintegrated  ${status.integrated}\n\n${status.checkpoint}`);
        }
      });
    });

  ledger
    .command('audit')
    .description('re-derive every stored record commitment and compare it with the log entries and tiles')
    .action(async (_options, command: Command) => {
      await withCustos(command, io, async (custos, options) => {
        const { integrated } = custos.ledger.sizes();
        // A cache of its own, so the audit reads tiles from disk rather than trusting memory.
        const tiles = createTileCache(custos.ledger.blobs, 64);
        const progress = progressReporter('audit', { minTotal: 4096 });
        const report = await auditLedger({
          store: custos.store,
          blobs: custos.ledger.blobs,
          tiles,
          integratedSize: integrated,
          onProgress: progress.update,
        });
        progress.done();
        if (options.json) io.out(JSON.stringify(report));
        else {
          io.out(
            `${report.entries} entries, ${report.records} records (${report.erased} erased), ${report.integrated} in tiles`,
          );
          for (const p of report.problems)
            io.out(`entry ${p.index}${p.record ? ` (${p.record})` : ''}: ${p.message}`);
          io.out(report.ok ? 'ok: every record matches the log' : 'FAILED: the store and the log disagree');
        }
        if (!report.ok) throw new CustosError('ledger.corrupt', 'the ledger audit found problems');
      });
    });
  return ledger;
}
