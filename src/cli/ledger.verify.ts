import type { Command } from 'commander';
import { CustosError } from '../core/errors.js';
import { toBase64, toHex } from '../ledger/bytes.js';
import { type CheckpointPolicy, proveInclusion, verifyProof } from '../ledger/proof.js';
import { openSource } from '../ledger/source.js';
import { verifyLog } from '../ledger/verify.js';
import { type GlobalOptions, type Io, usageError } from './context.js';
import { loadVerifierKey, loadVerifierKeys, readInput, repeatable } from './note.js';
import { progressReporter } from './progress.js';

// Below this many entries a verification takes well under a second: no bar needed.
const progressThreshold = 4096;

interface PolicyOptions {
  vkey: string;
  witness: string[];
  quorum?: string;
  origin?: string;
}

function parseCount(value: string, what: string): number {
  if (!/^(?:0|[1-9][0-9]*)$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw usageError(`${what} ${JSON.stringify(value)} is not a non-negative integer`);
  }
  return Number(value);
}

async function policyFrom(options: PolicyOptions): Promise<CheckpointPolicy> {
  const witnessKeys = (
    await Promise.all(options.witness.map((w) => loadVerifierKeys(w, '--witness')))
  ).flat();
  return {
    vkey: await loadVerifierKey(options.vkey),
    witnessKeys,
    ...(options.quorum === undefined ? {} : { witnessQuorum: parseCount(options.quorum, '--quorum') }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  };
}

function withPolicyOptions(command: Command): Command {
  return command
    .requiredOption('--vkey <vkey|file>', "the log's verifier key, or a file holding it")
    .option(
      '--witness <vkey|file>',
      'a witness verifier key, or a file of them; repeatable',
      repeatable,
      [] as string[],
    )
    .option('--quorum <n>', 'how many of the --witness keys must have cosigned (default: all of them)')
    .option('--origin <origin>', 'the checkpoint origin to expect (default: the log key name)');
}

/** Prints the tlog-proof of entry `index` of the log at `location` (for `ledger prove --log`). */
export async function proveFromLog(
  io: Io,
  indexText: string,
  location: string,
  options: { vkey?: string; origin?: string; json?: boolean },
): Promise<void> {
  const index = parseCount(indexText, 'index');
  const policy: CheckpointPolicy | undefined = options.vkey
    ? {
        vkey: await loadVerifierKey(options.vkey),
        ...(options.origin === undefined ? {} : { origin: options.origin }),
      }
    : undefined;
  const built = await proveInclusion(openSource(location), index, policy);
  if (options.json) {
    io.out(
      JSON.stringify({
        index: built.index,
        size: built.size,
        origin: built.origin,
        leafHash: toHex(built.leafHash),
        proof: built.text,
      }),
    );
    return;
  }
  // io.out adds the final newline back, so the proof prints byte for byte.
  io.out(built.text.slice(0, -1));
}

/**
 * Adds the outside auditor's commands to `custos ledger`: `verify`, `verify-proof` and (unless
 * `withProve` is false, for a caller that has its own) `prove --log`.
 */
export function registerLedgerVerify(ledger: Command, io: Io, { withProve = true } = {}): void {
  withPolicyOptions(
    ledger
      .command('verify')
      .description(
        'verify any tlog-tiles log: checkpoint signature, witness cosignatures, every tile and bundle, and the root',
      )
      .argument('<log>', 'the log folder, or its http(s) URL prefix'),
  )
    .option('--previous <file>', 'a checkpoint trusted earlier: fail unless the log extends it')
    .option('--min-size <n>', 'fail when the checkpoint is smaller than this (a rollback)')
    .action(async (location: string, _options, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & PolicyOptions & { previous?: string; minSize?: string }
      >();
      const policy = await policyFrom(options);
      const previous = options.previous === undefined ? undefined : await readInput(io, options.previous);
      const bar = progressReporter('verifying', { minTotal: progressThreshold });
      const result = await verifyLog(openSource(location), {
        ...policy,
        ...(previous === undefined ? {} : { previous }),
        ...(options.minSize === undefined ? {} : { minSize: parseCount(options.minSize, '--min-size') }),
        onProgress: bar.update,
      });
      bar.done();
      if (options.json) io.out(JSON.stringify(result));
      const [first] = result.errors;
      if (!result.ok || first !== undefined) {
        const problem = first ? `${first.file}: ${first.message}` : 'verification failed';
        throw new CustosError('ledger.verification_failed', problem, { errors: result.errors });
      }
      if (options.json) return;
      io.out(`ok: ${result.origin} size ${result.size} root ${result.root}`);
      io.out(
        `verified ${result.entries} entries in ${result.bundles} bundles and ${result.tiles} tiles` +
          (result.cosigners.length > 0 ? `; cosigned by ${result.cosigners.join(', ')}` : ''),
      );
    });

  withPolicyOptions(
    ledger
      .command('verify-proof')
      .description('verify a C2SP tlog-proof offline: the checkpoint, then the inclusion of the entry')
      .argument('<proof>', 'the .tlog-proof file, or - for standard input'),
  )
    .option('--entry-file <file>', 'the entry bytes whose inclusion is claimed')
    .option('--leaf-hash <hex>', 'the RFC 9162 leaf hash, as 64 hex digits, instead of the entry')
    .action(async (file: string, _options, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & PolicyOptions & { entryFile?: string; leafHash?: string }
      >();
      if ((options.entryFile === undefined) === (options.leafHash === undefined)) {
        throw usageError('give exactly one of --entry-file and --leaf-hash');
      }
      if (options.leafHash !== undefined && !/^[0-9a-fA-F]{64}$/.test(options.leafHash)) {
        throw usageError('--leaf-hash must be 64 hex digits');
      }
      const policy = await policyFrom(options);
      const proof = await readInput(io, file);
      const verified = verifyProof(
        proof,
        options.entryFile !== undefined
          ? { ...policy, entry: await readInput(io, options.entryFile) }
          : { ...policy, leafHash: Uint8Array.from(Buffer.from(options.leafHash as string, 'hex')) },
      );
      if (options.json) {
        io.out(
          JSON.stringify({
            ok: true,
            index: verified.index,
            size: verified.size,
            origin: verified.origin,
            root: toBase64(verified.root),
            leafHash: toHex(verified.leafHash),
            cosigners: verified.cosigners,
          }),
        );
        return;
      }
      io.out(`ok: entry ${verified.index} is in ${verified.origin} at size ${verified.size}`);
      if (verified.cosigners.length > 0) io.out(`cosigned by ${verified.cosigners.join(', ')}`);
    });

  if (!withProve) return;
  ledger
    .command('prove')
    .description('print the C2SP tlog-proof of one entry, built from a tlog-tiles log folder or URL')
    .argument('<index>', 'the entry index')
    .requiredOption('--log <dir|url>', 'the log folder, or its http(s) URL prefix')
    .option('--vkey <vkey|file>', "verify the checkpoint with the log's key before proving")
    .option('--origin <origin>', 'the checkpoint origin to expect with --vkey (default: the key name)')
    .action(async (index: string, _options, command: Command) => {
      const options = command.optsWithGlobals<
        GlobalOptions & { log: string; vkey?: string; origin?: string }
      >();
      await proveFromLog(io, index, options.log, options);
    });
}
