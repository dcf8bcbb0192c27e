import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/program.js';

interface Run {
  out: string[];
  err: string[];
}

/** Runs `custos <args>` in-process against a temporary data folder. */
async function run(args: string[], stdin = ''): Promise<Run> {
  const result: Run = { out: [], err: [] };
  const io: Io = {
    out: (text) => result.out.push(text),
    err: (text) => result.err.push(text),
    readStdin: async () => stdin,
  };
  const program = buildProgram(io).exitOverride();
  await program.parseAsync(['node', 'custos', ...args]);
  return result;
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

describe('custos command line', () => {
  let dataDir: string;
  const saved = { ...process.env };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'custos-cli-'));
    // The CLI reads CUSTOS_* from the environment; tests must not inherit a developer's.
    for (const name of Object.keys(process.env))
      if (name.startsWith('CUSTOS_') && !name.startsWith('CUSTOS_TEST_')) delete process.env[name];
    process.env.CUSTOS_LOG_LEVEL = 'silent';
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('describes every command and every option in --help', () => {
    const io: Io = { out: () => undefined, err: () => undefined, readStdin: async () => '' };
    const commands = allCommands(buildProgram(io));
    expect(commands.map((c) => c.name())).toEqual(
      expect.arrayContaining([
        'serve',
        'init',
        'migrate',
        'user',
        'add',
        'list',
        'disable',
        'apikey',
        'create',
        'revoke',
        'config',
        'print',
        'keys',
        'webhook',
        'secret',
      ]),
    );
    for (const command of commands) {
      expect(command.description(), command.name()).not.toBe('');
      for (const option of command.options)
        expect(option.description, `${command.name()} ${option.flags}`).not.toBe('');
      const help = command.helpInformation();
      for (const option of command.options) expect(help).toContain(option.long ?? option.short);
    }
  });

  it('init creates the first admin once and prints its password', async () => {
    const first = await run(['--data-dir', dataDir, '--json', 'init']);
    const { username, password } = JSON.parse(first.out[0] as string) as {
      username: string;
      password: string;
    };
    expect(username).toBe('admin');
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    await expect(run(['--data-dir', dataDir, 'init'])).rejects.toMatchObject({ code: 'action.not_allowed' });
  });

  it('adds, lists and disables users', async () => {
    await run(['--data-dir', dataDir, 'init']);
    const added = await run([
      '--data-dir',
      dataDir,
      '--json',
      'user',
      'add',
      'carol',
      '--role',
      'engineer,approver',
    ]);
    const created = JSON.parse(added.out[0] as string);
    expect(created.user.roles).toEqual(['engineer', 'approver']);
    expect(created.generatedPassword).toHaveLength(24);
    const fromStdin = await run(
      ['--data-dir', dataDir, 'user', 'add', 'dave', '--role', 'auditor', '--password-stdin'],
      'a long enough passphrase\n',
    );
    expect(fromStdin.out.join('\n')).not.toContain('password (shown');
    const table = await run(['--data-dir', dataDir, 'user', 'list']);
    expect(table.out[0]).toMatch(/^ID\s+USERNAME\s+ROLES/);
    expect(table.out.join('\n')).toContain('carol');
    await run(['--data-dir', dataDir, 'user', 'disable', 'carol']);
    const active = JSON.parse(
      (await run(['--data-dir', dataDir, '--json', 'user', 'list'])).out[0] as string,
    );
    expect(active.map((u: { username: string }) => u.username).sort()).toEqual(['admin', 'dave']);
    const all = JSON.parse(
      (await run(['--data-dir', dataDir, '--json', 'user', 'list', '--all'])).out[0] as string,
    );
    expect(all).toHaveLength(3);
    const reset = JSON.parse(
      (await run(['--data-dir', dataDir, '--json', 'user', 'reset-password', 'dave'])).out[0] as string,
    );
    expect(reset).toMatchObject({ user: 'dave' });
    expect(reset.password).toHaveLength(24);
    const human = await run(['--data-dir', dataDir, 'user', 'reset-password', 'dave']);
    expect(human.out.join('\n')).toMatch(/good for one sign-in/);
    await expect(run(['--data-dir', dataDir, 'user', 'reset-password', 'carol'])).rejects.toMatchObject({
      code: 'resource.not_found',
    });
    await expect(
      run(['--data-dir', dataDir, 'user', 'add', 'eve', '--role', 'wizard']),
    ).rejects.toMatchObject({
      code: 'request.invalid',
    });
  });

  it('refuses a common password given to user add on standard input', async () => {
    await run(['--data-dir', dataDir, 'init']);
    await expect(
      run(
        ['--data-dir', dataDir, 'user', 'add', 'erin', '--role', 'auditor', '--password-stdin'],
        'password1234\n',
      ),
    ).rejects.toMatchObject({ code: 'password.too_common' });
    const users = JSON.parse((await run(['--data-dir', dataDir, '--json', 'user', 'list'])).out[0] as string);
    expect(users.map((u: { username: string }) => u.username)).toEqual(['admin']);
  });

  it('creates, lists and revokes API keys, printing the token once', async () => {
    const created = await run([
      '--data-dir',
      dataDir,
      'apikey',
      'create',
      '--name',
      'login-service',
      '--scope',
      'metrics.read',
      '--expires-in',
      '90d',
    ]);
    const token = /token \(shown only this once\): (\S+)/.exec(created.out.join('\n'))?.[1];
    expect(token).toMatch(/^ck_/);
    const listed = await run(['--data-dir', dataDir, '--json', 'apikey', 'list']);
    const keys = JSON.parse(listed.out[0] as string);
    expect(keys).toHaveLength(1);
    expect(listed.out[0]).not.toContain((token as string).slice(-43));
    expect(keys[0].expiresAt).toBeGreaterThan(Date.now() + 89 * 86_400_000);
    await run(['--data-dir', dataDir, 'apikey', 'revoke', keys[0].id]);
    const after = JSON.parse(
      (await run(['--data-dir', dataDir, '--json', 'apikey', 'list'])).out[0] as string,
    );
    expect(after).toHaveLength(0);
  });

  it('prints the effective config with secrets masked and names a bad key', async () => {
    const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
    const file = join(dataDir, 'custos.yaml');
    writeFileSync(
      file,
      [
        'server:',
        '  port: 8088',
        'database:',
        '  url: postgres://custos:hunter2-secret@db.internal:5432/custos',
        'webhooks:',
        '  - name: soc',
        '    url: https://hooks.example.test/in',
        `    secret: ${webhookSecret}`,
      ].join('\n'),
    );
    process.env.CUSTOS_SERVER_HOST = '0.0.0.0';
    const printed = await run(['--config', file, 'config', 'print']);
    const text = printed.out.join('\n');
    expect(text).toContain('port: 8088');
    expect(text).toContain('host: 0.0.0.0');
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain(webhookSecret.slice('whsec_'.length));
    expect(text).toMatch(
      /# sources, lowest precedence first: defaults; file .*custos\.yaml; environment .*CUSTOS_SERVER_HOST/,
    );

    process.env.CUSTOS_SERVER_PORT = 'eighty';
    await expect(run(['--config', file, 'config', 'print'])).rejects.toThrow(/server\.port/);
  });

  it('webhook secret prints a new Standard Webhooks secret that config and receivers accept', async () => {
    const first = (await run(['webhook', 'secret'])).out[0] as string;
    const second = JSON.parse((await run(['--json', 'webhook', 'secret'])).out[0] as string).secret as string;
    expect(first).not.toBe(second);
    for (const secret of [first, second]) {
      expect(Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).toHaveLength(32);
      const file = join(dataDir, 'custos.yaml');
      writeFileSync(
        file,
        [
          'webhooks:',
          '  - name: soc',
          '    url: https://hooks.example.test/in',
          `    secret: ${secret}`,
        ].join('\n'),
      );
      await expect(run(['--config', file, 'config', 'print'])).resolves.toBeDefined();
      const signature = new Webhook(secret).sign('evt_1', new Date(), '{}');
      expect(signature).toMatch(/^v1,/);
    }
  });

  it('lists every setting with its environment variable', async () => {
    const keys = JSON.parse((await run(['--json', 'config', 'keys'])).out[0] as string);
    expect(keys).toContainEqual(
      expect.objectContaining({ path: 'database.url', env: 'CUSTOS_DATABASE_URL' }),
    );
    expect(keys).toContainEqual(expect.objectContaining({ path: 'server.port', env: 'CUSTOS_SERVER_PORT' }));
  });

  it('migrate reports applied and pending migrations', async () => {
    const before = JSON.parse(
      (await run(['--data-dir', dataDir, '--json', 'migrate', '--status'])).out[0] as string,
    );
    expect(before.applied).toEqual([]);
    expect(before.pending.length).toBeGreaterThan(0);
    await run(['--data-dir', dataDir, 'migrate']);
    const after = JSON.parse(
      (await run(['--data-dir', dataDir, '--json', 'migrate', '--status'])).out[0] as string,
    );
    expect(after.pending).toEqual([]);
    expect(after.applied).toEqual(before.pending);
  });
});
