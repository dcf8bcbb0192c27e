import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/context.js';
import { registerLedgerVerify } from '../../src/cli/ledger.verify.js';
import { registerNote } from '../../src/cli/note.js';
import { toHex } from '../../src/ledger/bytes.js';
import { hashLeaf } from '../../src/ledger/merkle.js';
import { generateKey } from '../../src/ledger/note.key.js';
import { serveDirectory, type TlogFixture, writeTlogFixture } from '../support/tlog-fixture.js';

interface Run {
  out: string[];
  err: string[];
}

/** The root options of `custos` with only the commands under test, so the test does not depend on wiring. */
function buildTestProgram(io: Io): Command {
  const program = new Command('custos')
    .description('custos, reduced to the commands under test')
    .option('-c, --config <file>', 'config file')
    .option('--data-dir <dir>', 'data folder')
    .option('--json', 'print data as JSON')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text.trimEnd()),
      writeErr: (text) => io.err(text.trimEnd()),
    });
  registerLedgerVerify(program.command('ledger').description('the ledger'), io);
  registerNote(program, io);
  return program;
}

/** Runs `custos <args>` in-process; a failing command rejects with the error main.ts would print. */
async function run(args: string[], stdin = ''): Promise<Run> {
  const result: Run = { out: [], err: [] };
  const io: Io = {
    out: (text) => result.out.push(text),
    err: (text) => result.err.push(text),
    readStdin: async () => stdin,
  };
  await buildTestProgram(io).parseAsync(['node', 'custos', ...args]);
  return result;
}

/** Like run, but returns what was printed before the command failed along with the error. */
async function runFailing(
  args: string[],
  stdin = '',
): Promise<Run & { error: { code?: string; message: string } }> {
  const result: Run = { out: [], err: [] };
  const io: Io = {
    out: (text) => result.out.push(text),
    err: (text) => result.err.push(text),
    readStdin: async () => stdin,
  };
  try {
    await buildTestProgram(io).parseAsync(['node', 'custos', ...args]);
  } catch (error) {
    return { ...result, error: error as { code?: string; message: string } };
  }
  throw new Error(`custos ${args.join(' ')} succeeded; expected it to fail`);
}

let log: TlogFixture;
let work: string;
let vkeyFile: string;
let witnessFile: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'custos-cli-verify-'));
  log = writeTlogFixture({
    size: 600,
    steps: [300],
    witnesses: ['w1.test', 'w2.test'],
    dir: join(work, 'log'),
  });
  vkeyFile = join(work, 'log.vkey');
  writeFileSync(vkeyFile, `${log.vkey}\n`);
  witnessFile = join(work, 'witnesses.vkey');
  writeFileSync(witnessFile, `# the witnesses we trust\n${log.witnesses.map((w) => w.vkey).join('\n')}\n`);
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('custos ledger verify', () => {
  it('describes every command and option in --help', () => {
    const io: Io = { out: () => undefined, err: () => undefined, readStdin: async () => '' };
    const all = (command: Command): Command[] => [command, ...command.commands.flatMap(all)];
    const commands = all(buildTestProgram(io));
    expect(commands.map((c) => c.name())).toEqual(
      expect.arrayContaining(['verify', 'verify-proof', 'prove', 'note']),
    );
    for (const command of commands) {
      expect(command.description(), command.name()).not.toBe('');
      for (const option of command.options) expect(option.description, option.flags).not.toBe('');
    }
  });

  it('verifies a good log with the key given as text or as a file, and with witnesses', async () => {
    const byText = await run(['ledger', 'verify', log.dir, '--vkey', log.vkey]);
    expect(byText.out[0]).toMatch(/^ok: example\.test\/log size 600 root [A-Za-z0-9+/=]{44}$/);
    // Leftover partial files of the size-300 checkpoint are checked too: 3 + 1 bundles, 4 + 2 tiles.
    expect(byText.out[1]).toBe('verified 600 entries in 4 bundles and 6 tiles');
    const byFile = await run(['ledger', 'verify', log.dir, '--vkey', vkeyFile, '--witness', witnessFile]);
    expect(byFile.out[1]).toMatch(/cosigned by w1\.test\+[0-9a-f]{8}, w2\.test\+[0-9a-f]{8}$/);
  });

  it('prints the result as JSON with --json', async () => {
    const { out } = await run(['--json', 'ledger', 'verify', log.dir, '--vkey', vkeyFile]);
    expect(JSON.parse(out[0] as string)).toMatchObject({ ok: true, size: 600, entries: 600, errors: [] });
  });

  it('verifies over HTTP', async () => {
    const server = await serveDirectory(log.dir);
    try {
      const { out } = await run(['ledger', 'verify', server.url, '--vkey', log.vkey]);
      expect(out[0]).toMatch(/^ok: /);
    } finally {
      await server.close();
    }
  });

  it('fails with the first bad file, printing the JSON report first with --json', async () => {
    const path = join(log.dir, 'tile/0/001');
    const original = readFileSync(path);
    const mutated = Buffer.from(original);
    mutated[100] = (mutated[100] as number) ^ 1;
    writeFileSync(path, mutated);
    try {
      const failed = await runFailing(['ledger', 'verify', log.dir, '--vkey', log.vkey]);
      expect(failed.error).toMatchObject({ code: 'ledger.verification_failed' });
      expect(failed.error.message).toBe(
        'tile/0/001: hash 3 (leaf index 259) differs from the hash of entry 3 of tile/entries/001',
      );
      const json = await runFailing(['--json', 'ledger', 'verify', log.dir, '--vkey', log.vkey]);
      expect(JSON.parse(json.out[0] as string)).toMatchObject({
        ok: false,
        errors: [{ file: 'tile/0/001', index: 259 }],
      });
    } finally {
      writeFileSync(path, original);
    }
  });

  it('fails on a wrong key, an unmet quorum and a rollback', async () => {
    const wrongKey = await runFailing(['ledger', 'verify', log.dir, '--vkey', generateKey(log.origin).vkey]);
    expect(wrongKey.error.message).toMatch(/^checkpoint: no signature verifies with key/);
    const quorum = await runFailing([
      'ledger',
      'verify',
      log.dir,
      '--vkey',
      log.vkey,
      '--witness',
      witnessFile,
      '--witness',
      generateKey('w3.test', 0x04).vkey,
    ]);
    expect(quorum.error.message).toMatch(/^checkpoint: cosigned by 2 of 3 witnesses/);
    await run(['ledger', 'verify', log.dir, '--vkey', log.vkey, '--witness', witnessFile, '--quorum', '1']);

    const rolledBack = join(work, 'rolled-back');
    const copy = writeTlogFixture({ size: 600, steps: [300], skey: log.skey, dir: rolledBack });
    writeFileSync(join(rolledBack, 'checkpoint'), copy.checkpoints[0] as string);
    const newer = join(work, 'newer.checkpoint');
    writeFileSync(newer, copy.checkpoints[1] as string);
    expect((await run(['ledger', 'verify', rolledBack, '--vkey', log.vkey])).out[0]).toMatch(/size 300 /);
    const rollback = await runFailing([
      'ledger',
      'verify',
      rolledBack,
      '--vkey',
      log.vkey,
      '--previous',
      newer,
    ]);
    expect(rollback.error.message).toMatch(/^checkpoint: size 300 is smaller than the size 600 seen before/);
    const minSize = await runFailing([
      'ledger',
      'verify',
      rolledBack,
      '--vkey',
      log.vkey,
      '--min-size',
      '301',
    ]);
    expect(minSize.error.message).toMatch(/rolled back/);
  });

  it('refuses bad arguments as usage errors', async () => {
    expect(
      (await runFailing(['ledger', 'verify', log.dir, '--vkey', join(work, 'nope')])).error,
    ).toMatchObject({
      code: 'request.invalid',
      message: expect.stringContaining('is neither a verifier key nor a readable file'),
    });
    expect(
      (await runFailing(['ledger', 'verify', log.dir, '--vkey', 'a+00000000+AAAA'])).error,
    ).toMatchObject({
      code: 'ledger.invalid_key',
    });
    expect(
      (await runFailing(['ledger', 'verify', log.dir, '--vkey', log.vkey, '--quorum', 'two'])).error,
    ).toMatchObject({ code: 'request.invalid' });
    expect(
      (await runFailing(['ledger', 'verify', log.dir, '--vkey', log.vkey, '--quorum', '1'])).error,
    ).toMatchObject({ code: 'request.invalid', message: expect.stringContaining('quorum 1') });
  });
});

describe('custos ledger prove and verify-proof', () => {
  it('proves an entry from a log folder and verifies the proof from a file and from stdin', async () => {
    const proved = await run(['ledger', 'prove', '123', '--log', log.dir, '--vkey', log.vkey]);
    const proofText = `${proved.out.join('\n')}\n`;
    expect(proofText.startsWith('c2sp.org/tlog-proof@v1\nindex 123\n')).toBe(true);
    expect(proofText.endsWith(log.checkpoints[1] as string)).toBe(true);
    const proofFile = join(work, '123.tlog-proof');
    writeFileSync(proofFile, proofText);
    const entryFile = join(work, 'entry-123');
    writeFileSync(entryFile, log.entries[123] as Uint8Array);

    const fromFile = await run([
      'ledger',
      'verify-proof',
      proofFile,
      '--vkey',
      vkeyFile,
      '--entry-file',
      entryFile,
    ]);
    expect(fromFile.out[0]).toBe('ok: entry 123 is in example.test/log at size 600');
    const leafHash = toHex(hashLeaf(log.entries[123] as Uint8Array));
    const fromStdin = await run(
      [
        '--json',
        'ledger',
        'verify-proof',
        '-',
        '--vkey',
        log.vkey,
        '--leaf-hash',
        leafHash,
        '--witness',
        witnessFile,
      ],
      proofText,
    );
    expect(JSON.parse(fromStdin.out[0] as string)).toMatchObject({
      ok: true,
      index: 123,
      size: 600,
      leafHash,
      cosigners: [expect.stringMatching(/^w1\.test\+/), expect.stringMatching(/^w2\.test\+/)],
    });

    const wrongEntry = join(work, 'entry-other');
    writeFileSync(wrongEntry, log.entries[124] as Uint8Array);
    expect(
      (
        await runFailing([
          'ledger',
          'verify-proof',
          proofFile,
          '--vkey',
          log.vkey,
          '--entry-file',
          wrongEntry,
        ])
      ).error,
    ).toMatchObject({ code: 'ledger.invalid_proof' });
    expect(
      (
        await runFailing([
          'ledger',
          'verify-proof',
          proofFile,
          '--vkey',
          log.vkey,
          '--entry-file',
          entryFile,
          '--leaf-hash',
          leafHash,
        ])
      ).error,
    ).toMatchObject({ code: 'request.invalid' });
    expect(
      (await runFailing(['ledger', 'verify-proof', proofFile, '--vkey', log.vkey, '--leaf-hash', 'abc']))
        .error,
    ).toMatchObject({ code: 'request.invalid' });
  });

  it('prints the proof as JSON and refuses an index beyond the log', async () => {
    const { out } = await run(['--json', 'ledger', 'prove', '0', '--log', log.dir]);
    const parsed = JSON.parse(out[0] as string);
    expect(parsed).toMatchObject({ index: 0, size: 600, origin: log.origin });
    expect(parsed.proof).toMatch(/^c2sp\.org\/tlog-proof@v1\nindex 0\n/);
    expect((await runFailing(['ledger', 'prove', '600', '--log', log.dir])).error).toMatchObject({
      code: 'ledger.invalid_range',
    });
    expect((await runFailing(['ledger', 'prove', '01', '--log', log.dir])).error).toMatchObject({
      code: 'request.invalid',
    });
  });
});

describe('custos note verify', () => {
  it('prints the text of a note and its verified signers', async () => {
    const note = log.checkpoints[1] as string;
    const noteFile = join(work, 'checkpoint.note');
    writeFileSync(noteFile, note);
    const result = await run(['note', 'verify', '--vkey', vkeyFile, noteFile]);
    expect(`${result.out.join('\n')}\n`).toBe(note.slice(0, note.lastIndexOf('\n\n') + 1));
    expect(result.err[0]).toMatch(/^verified signature by example\.test\/log\+[0-9a-f]{8}$/);
    expect(result.err.filter((line) => line.startsWith('ignored signature'))).toHaveLength(2);

    const json = await run(['--json', 'note', 'verify', '--vkey', log.vkey, '--vkey', witnessFile], note);
    const parsed = JSON.parse(json.out[0] as string);
    expect(parsed.signers.map((s: { name: string }) => s.name)).toEqual([
      'example.test/log',
      'w1.test',
      'w2.test',
    ]);
    expect(parsed.signers[1].timestamp).toBeGreaterThan(0);
  });

  it('fails when no given key signed the note or a signature is bad', async () => {
    const note = log.checkpoints[1] as string;
    expect(
      (await runFailing(['note', 'verify', '--vkey', generateKey('someone').vkey, '-'], note)).error,
    ).toMatchObject({ code: 'ledger.unverified_note' });
    const tampered = note.replace('example.test/log\n600', 'example.test/log\n601');
    expect((await runFailing(['note', 'verify', '--vkey', log.vkey], tampered)).error).toMatchObject({
      code: 'ledger.invalid_signature',
    });
  });
});
