import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RunningWitness, startWitnessServer } from '../../src/cli/witness.js';
import { createLogger } from '../../src/core/logger.js';
import { loadOrCreateLogKey } from '../../src/ledger/keys.js';
import { COSIGNATURE_V1, generateKey } from '../../src/ledger/note.key.js';
import { issueGrant, register } from '../support/access.js';
import { addUser, createTestCustos, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

const second = 1000;
const minute = 60 * second;
// The bounds these tests configure: not ready after one minute of failures, no permits after five.
const bounds = { 'ledger.unreadyAfter': '1m', 'ledger.staleAfter': '5m', 'ledger.maxDelay': '20ms' };

/** A service key, an engineer and a grant for one field of one subject, in a fresh Custos. */
async function withGrant(t: TestCustos) {
  const serviceKey = (
    await t.custos.apiKeys.create({
      name: 'support-tool',
      roles: ['service'],
      scopes: ['*'],
      createdBy: 'test',
    })
  ).token;
  const engineerId = (await addUser(t.custos, 'sam', ['engineer'])).id;
  await register(t.custos, engineerId, { team: 'support' });
  await issueGrant(t.custos, {
    actorId: engineerId,
    purpose: 'support',
    ticketId: 'TCK-1',
    subjects: ['user-42'],
    fields: ['identity.phone'],
    operations: ['read'],
    durationMs: 24 * 60 * minute,
    source: 'approval',
  });
  const check = async () => {
    const response = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/access/check',
      headers: { authorization: `Bearer ${serviceKey}` },
      payload: { actor: engineerId, subject: 'user-42', fields: ['identity.phone'], operation: 'read' },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as {
      checkId: string;
      decision: string;
      reasons: { code: string; message: string }[];
    };
  };
  return { check };
}

const readyz = (t: TestCustos) => t.custos.api.app.inject({ method: 'GET', url: '/readyz' });

/**
 * Drives one publication outage through its stages with the manual clock: within the bounds
 * (ready, permits), past the readiness bound (503 naming the part, permits), past the staleness
 * bound (denies with ledger.publication_stale, logged), then recovery (ready, permits).
 */
async function outageLifecycle(
  t: TestCustos,
  outage: { break: () => Promise<void> | void; repair: () => Promise<void> | void },
  expected: { component: string; code: string },
) {
  const { check } = await withGrant(t);
  const { ledger } = t.custos;
  const before = await check();
  expect(before.decision).toBe('permit');
  await ledger.awaitIntegration(ledger.sizes().sequenced - 1);

  await outage.break();
  const brokeAt = t.clock.now();
  expect((await check()).decision).toBe('permit');
  await vi.waitFor(() => expect(ledger.publication().failure).toMatchObject(expected), { timeout: 10_000 });
  // Within the readiness bound: a failure or two is no reason to leave rotation.
  expect((await readyz(t)).statusCode).toBe(200);

  t.clock.advance(minute + second);
  const unready = await readyz(t);
  expect(unready.statusCode).toBe(503);
  expect(unready.json()).toMatchObject({ code: expected.code, details: { failing: [expect.any(Object)] } });
  expect(unready.json().details.failing).toEqual([{ ...expected, since: new Date(brokeAt).toISOString() }]);
  expect(unready.body).not.toMatch(/ENOTDIR|ECONNREFUSED|EEXIST|fetch failed|\/tmp\//);
  // Not ready, but entries have not waited past the staleness bound: checks still permit.
  expect((await check()).decision).toBe('permit');

  t.clock.advance(4 * minute);
  const denied = await check();
  expect(denied.decision).toBe('deny');
  expect(denied.reasons).toEqual([
    {
      code: 'ledger.publication_stale',
      message: `Ledger checkpoints have not been published since ${new Date(brokeAt).toISOString()}; nothing is permitted until they are.`,
    },
  ]);
  // The deny is on the ledger like any check.
  const record = await ledger.record('access.check', denied.checkId);
  expect(JSON.parse(record?.body as string)).toMatchObject({
    decision: 'deny',
    grantId: null,
    reasons: ['ledger.publication_stale'],
  });
  expect((await readyz(t)).json().details.failing).toContainEqual({
    component: 'ledger.publication',
    code: 'ledger.publication_stale',
    since: new Date(brokeAt).toISOString(),
  });

  await outage.repair();
  await vi.waitFor(
    () => expect(ledger.publication()).toMatchObject({ failure: undefined, stale: false, unready: false }),
    { timeout: 20_000, interval: 100 },
  );
  expect((await readyz(t)).statusCode).toBe(200);
  const after = await check();
  expect(after.decision).toBe('permit');
  await ledger.awaitIntegration(ledger.sizes().sequenced - 1);
  expect(ledger.sizes().integrated).toBe(ledger.sizes().sequenced);
}

describe.each(backends)('checkpoint publication on %s', (backend) => {
  let t: TestCustos | undefined;
  let dir: string | undefined;
  let witness: RunningWitness | undefined;
  afterEach(async () => {
    await t?.dispose();
    await witness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    t = undefined;
    witness = undefined;
    dir = undefined;
  });

  it('reports not ready, then stops permitting, while the tile folder cannot be written, and recovers once it can', async () => {
    t = await createTestCustos(backend, bounds);
    const tiles = join(t.custos.config.dataDir, 'ledger', 'tile');
    // Root ignores file modes, so the folder is replaced by a file: every write under it fails.
    await outageLifecycle(
      t,
      {
        break: () => {
          renameSync(tiles, `${tiles}.away`);
          writeFileSync(tiles, 'not a folder');
        },
        repair: () => {
          rmSync(tiles);
          renameSync(`${tiles}.away`, tiles);
        },
      },
      { component: 'ledger.tiles', code: 'ledger.tiles_unavailable' },
    );
  }, 60_000);

  it('reports not ready, then stops permitting, while the witness quorum cannot be met, and recovers once it can', async () => {
    dir = mkdtempSync(join(tmpdir(), 'custos-publication-'));
    const origin = 'custos.test/publication';
    const logKeyFile = join(dir, 'log.skey');
    const logKeys = loadOrCreateLogKey(logKeyFile, origin);
    const witnessKey = generateKey('witness.test', COSIGNATURE_V1);
    writeFileSync(join(dir, 'witness.skey'), `${witnessKey.skey}\n`, { mode: 0o600 });
    const startWitness = (port: number) =>
      startWitnessServer({
        keyFile: join(dir as string, 'witness.skey'),
        logs: [`${origin}=${logKeys.vkey}`],
        stateDir: join(dir as string, 'witness-state'),
        host: '127.0.0.1',
        port,
        logger: createLogger({ level: 'silent', pretty: false }),
      });
    witness = await startWitness(0);
    const port = Number(new URL(witness.address).port);
    t = await createTestCustos(backend, {
      ...bounds,
      'ledger.origin': origin,
      'ledger.keyFile': logKeyFile,
      'ledger.witnesses': [{ url: `${witness.address}/`, vkey: witnessKey.vkey }],
    });
    // The witness goes down: its port is closed, and the only cosignature needed cannot be had.
    await outageLifecycle(
      t,
      {
        break: async () => {
          await witness?.close();
          witness = undefined;
        },
        repair: async () => {
          witness = await startWitness(port);
        },
      },
      { component: 'ledger.witnesses', code: 'witness.quorum_failed' },
    );
  }, 60_000);
});

describe('publication bounds', () => {
  it('refuses a staleness bound that a healthy log would cross while batching', async () => {
    await expect(
      createTestCustos('sqlite', { 'ledger.maxDelay': '2s', 'ledger.staleAfter': '1s' }),
    ).rejects.toMatchObject({ code: 'config.invalid' });
  });
});
