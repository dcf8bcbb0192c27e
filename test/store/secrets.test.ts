import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { sharedSecret } from '../../src/store/secrets.js';
import { openStore } from '../../src/store/store.js';
import { backends, createTestStore, postgresUrl, type TestStore } from '../support/services.js';

describe.each(backends)('shared secrets on %s', (backend) => {
  let t: TestStore;
  const clock = createManualClock();
  beforeEach(async () => {
    t = await createTestStore(backend);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('creates a 256-bit secret once and returns the same one afterwards', async () => {
    const first = await sharedSecret(t.store, clock, 'access.transparency.pseudonym');
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await sharedSecret(t.store, clock, 'access.transparency.pseudonym')).toBe(first);
  });

  it('keeps a key already in use when it is the first offered, and the stored one afterwards', async () => {
    const inUse = 'a1'.repeat(32);
    expect(await sharedSecret(t.store, clock, 'access.transparency.pseudonym', inUse)).toBe(inUse);
    expect(await sharedSecret(t.store, clock, 'access.transparency.pseudonym', 'b2'.repeat(32))).toBe(inUse);
  });

  it('agrees on one secret when many ask for it at once', async () => {
    const values = await Promise.all(
      Array.from({ length: 16 }, () => sharedSecret(t.store, clock, 'access.transparency.pseudonym')),
    );
    expect(new Set(values).size).toBe(1);
  });
});

describe.runIf(postgresUrl)('shared secrets across nodes', () => {
  it('gives a second node on the same PostgreSQL schema the secret the first one created', async () => {
    const t = await createTestStore('postgres');
    const dataDir = mkdtempSync(join(tmpdir(), 'custos-test-node2-'));
    const second = await openStore({ databaseUrl: postgresUrl, dataDir, schema: t.store.schema as string });
    try {
      const clock = createManualClock();
      const [a, b] = await Promise.all([
        sharedSecret(t.store, clock, 'access.transparency.pseudonym'),
        sharedSecret(second, clock, 'access.transparency.pseudonym'),
      ]);
      expect(a).toBe(b);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
      await t.dispose();
    }
  });
});
