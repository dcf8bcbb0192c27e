import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts the built `custos serve` as a real process and waits until it listens. */
async function startServer(dataDir: string): Promise<Started> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CUSTOS_')));
  const child = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: root,
    env: { ...env, CUSTOS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const poll = setInterval(() => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

describe('custos serve as a real process', () => {
  let dataDir: string;

  beforeAll(() => {
    // What `npm start` runs: the compiled CLI (test/global-setup.ts builds it).
    dataDir = mkdtempSync(join(tmpdir(), 'custos-serve-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints one-time admin credentials that sign in, serves health and docs, and stops cleanly', async () => {
    const server = await startServer(dataDir);
    const password = /password: (\S+)/.exec(server.output())?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(server.output()).toContain('/docs');

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/docs/`)).status).toBe(200);
    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
    };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toContain('/v1/auth/login');
    // The verifier key printed at start is the one the ledger publishes and signs with.
    const ledgerInfo = (await (await fetch(`${server.url}/v1/ledger`)).json()) as { vkey: string };
    expect(server.output()).toContain(`verifier key: ${ledgerInfo.vkey}`);
    expect(ledgerInfo.vkey).toMatch(/^localhost\/custos\+[0-9a-f]{8}\+/);

    const login = await fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('custos_session='));
    const me = await fetch(`${server.url}/v1/auth/session`, {
      headers: { cookie: (cookie as string).split(';')[0] as string },
    });
    expect(((await me.json()) as { user: { roles: string[] } }).user.roles).toEqual(['admin']);

    expect(await stop(server.child, 'SIGTERM')).toBe(0);

    // A second start on the same store keeps the admin and prints no new password.
    const again = await startServer(dataDir);
    expect(again.output()).not.toContain('password:');
    expect(await stop(again.child, 'SIGINT')).toBe(0);
  }, 60_000);
});
