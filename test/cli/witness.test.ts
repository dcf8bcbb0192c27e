import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/program.js';
import { parseLogFlag, registerWitness, startWitnessServer } from '../../src/cli/witness.js';
import { formatCheckpoint } from '../../src/ledger/checkpoint.js';
import { hashLeaf, rootFromLeafHashes } from '../../src/ledger/merkle.js';
import { signNote } from '../../src/ledger/note.js';
import {
  COSIGNATURE_V1,
  ED25519,
  generateKey,
  parseSignerKey,
  parseVerifierKey,
} from '../../src/ledger/note.key.js';
import { createWitnessClient } from '../../src/ledger/witness.client.js';

interface Run {
  out: string[];
  err: string[];
}

/** The custos program with the witness commands, whether or not program.ts registers them yet. */
function program(io: Io): Command {
  const built = buildProgram(io).exitOverride();
  if (!built.commands.some((command) => command.name() === 'witness')) registerWitness(built, io);
  return built;
}

async function run(args: string[]): Promise<Run> {
  const result: Run = { out: [], err: [] };
  const io: Io = {
    out: (text) => result.out.push(text),
    err: (text) => result.err.push(text),
    readStdin: async () => '',
  };
  await program(io).parseAsync(['node', 'custos', ...args]);
  return result;
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

const silent = pino({ level: 'silent' });
const origin = 'custos.test/cli-log';
const logKeys = generateKey(origin);

async function signedCheckpoint(size: number): Promise<string> {
  const leaves = Array.from({ length: size }, (_, i) => hashLeaf(new TextEncoder().encode(`entry ${i}`)));
  const body = formatCheckpoint({ origin, size, root: rootFromLeafHashes(leaves) });
  return signNote(body, [parseSignerKey(logKeys.skey)]);
}

describe('custos witness', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'custos-witness-cli-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('describes every witness command and option in --help', () => {
    const io: Io = { out: () => undefined, err: () => undefined, readStdin: async () => '' };
    const witness = program(io).commands.find((command) => command.name() === 'witness') as Command;
    const commands = allCommands(witness);
    expect(commands.map((c) => c.name())).toEqual(['witness', 'keygen', 'serve']);
    for (const command of commands) {
      expect(command.description(), command.name()).not.toBe('');
      const help = command.helpInformation();
      for (const option of command.options) {
        expect(option.description, `${command.name()} ${option.flags}`).not.toBe('');
        expect(help).toContain(option.long);
      }
    }
    const serveHelp = (commands[2] as Command).helpInformation();
    for (const flag of ['--key', '--log', '--state-dir', '--port', '--host'])
      expect(serveHelp).toContain(flag);
  });

  it('keygen writes a 0600 signer key and a cosignature/v1 verifier key, and prints the vkey', async () => {
    const result = await run(['witness', 'keygen', '--name', 'witness.test/w1', '--out-dir', dir]);
    const vkeyText = result.out[0] as string;
    const vkey = parseVerifierKey(vkeyText);
    expect(vkey).toMatchObject({ name: 'witness.test/w1', type: COSIGNATURE_V1 });
    const skeyFile = join(dir, 'witness.test_w1.skey');
    expect(statSync(skeyFile).mode & 0o777).toBe(0o600);
    const skey = parseSignerKey(readFileSync(skeyFile, 'utf8').trim());
    expect(Buffer.from(skey.publicKey)).toEqual(Buffer.from(vkey.publicKey));
    expect(readFileSync(join(dir, 'witness.test_w1.vkey'), 'utf8')).toBe(`${vkeyText}\n`);
    expect(result.err.join('\n')).toContain('witness.test_w1.skey');
    // A key is never overwritten.
    await expect(
      run(['witness', 'keygen', '--name', 'witness.test/w1', '--out-dir', dir]),
    ).rejects.toMatchObject({ code: 'action.not_allowed' });
    const json = JSON.parse(
      (await run(['--json', 'witness', 'keygen', '--name', 'w2', '--out-dir', dir])).out[0] as string,
    );
    expect(json).toMatchObject({ name: 'w2', skeyFile: join(dir, 'w2.skey') });
  });

  it('parses --log as origin=vkey, origin=file or a bare vkey', () => {
    const vkeyFile = join(dir, 'log.vkey');
    writeFileSync(vkeyFile, `${logKeys.vkey}\n`);
    expect(parseLogFlag(`${origin}=${logKeys.vkey}`)).toMatchObject({ origin, vkey: { type: ED25519 } });
    expect(parseLogFlag(`other.test/origin=${vkeyFile}`)).toMatchObject({ origin: 'other.test/origin' });
    expect(parseLogFlag(logKeys.vkey)).toMatchObject({ origin });
    expect(parseLogFlag(vkeyFile)).toMatchObject({ origin });
    expect(() => parseLogFlag(`${origin}=nonsense`)).toThrow(/neither a verifier key nor a file/);
    expect(() => parseLogFlag(`=${logKeys.vkey}`)).toThrow(/origin is empty/);
  });

  it('startWitnessServer serves a witness from key and state files, which cosigns and survives a restart', async () => {
    await run(['witness', 'keygen', '--name', 'witness.test/served', '--out-dir', dir]);
    const keyFile = join(dir, 'witness.test_served.skey');
    const vkey = parseVerifierKey(readFileSync(join(dir, 'witness.test_served.vkey'), 'utf8').trim());
    const options = {
      keyFile,
      logs: [`${origin}=${logKeys.vkey}`],
      stateDir: join(dir, 'state'),
      port: 0,
      logger: silent,
    };
    const first = await startWitnessServer(options);
    expect(first.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.witness.vkey).toBe(readFileSync(join(dir, 'witness.test_served.vkey'), 'utf8').trim());
    const client = createWitnessClient({ url: first.address, vkey });
    const cosigned = await client.addCheckpoint({
      oldSize: 0,
      proof: [],
      signedCheckpoint: await signedCheckpoint(40),
    });
    expect(cosigned.kind).toBe('cosigned');
    await first.close();
    await first.close();

    const second = await startWitnessServer(options);
    try {
      const fresh = createWitnessClient({ url: second.address, vkey });
      expect(
        await fresh.addCheckpoint({ oldSize: 0, proof: [], signedCheckpoint: await signedCheckpoint(41) }),
      ).toEqual({ kind: 'conflict', knownSize: 40 });
    } finally {
      await second.close();
    }
  });

  it('startWitnessServer refuses an Ed25519 log key as the witness key and a missing --log', async () => {
    const keyFile = join(dir, 'log.skey');
    writeFileSync(keyFile, `${logKeys.skey}\n`, { mode: 0o600 });
    const base = { keyFile, stateDir: join(dir, 'state'), port: 0, logger: silent };
    await expect(startWitnessServer({ ...base, logs: [logKeys.vkey] })).rejects.toThrow(
      /not a cosignature\/v1 key/,
    );
    await expect(startWitnessServer({ ...base, logs: [] })).rejects.toThrow(/--log/);
  });

  it('serve runs from the command line and stops on SIGTERM', async () => {
    await run(['witness', 'keygen', '--name', 'witness.test/cli', '--out-dir', dir]);
    const result = await run([
      'witness',
      'serve',
      '--key',
      join(dir, 'witness.test_cli.skey'),
      '--log',
      logKeys.vkey,
      '--state-dir',
      join(dir, 'state'),
      '--port',
      '0',
      '--log-level',
      'silent',
    ]);
    const address = /listening on (http:\/\/\S+)/.exec(result.out.join('\n'))?.[1] as string;
    expect(address).toBeDefined();
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    // The handler the action installed; nothing else in the test process listens for SIGTERM.
    process.emit('SIGTERM');
    await expect.poll(() => result.out.join('\n'), { timeout: 5000 }).toContain('witness stopped');
    await expect(fetch(`${address}/healthz`)).rejects.toThrow();
  });
});
