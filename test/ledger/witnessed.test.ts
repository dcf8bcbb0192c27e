import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningWitness, startWitnessServer } from '../../src/cli/witness.js';
import { createLogger } from '../../src/core/logger.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { loadOrCreateLogKey } from '../../src/ledger/keys.js';
import { signNote } from '../../src/ledger/note.js';
import { COSIGNATURE_V1, generateKey, parseVerifierKey } from '../../src/ledger/note.key.js';
import { createWitnessClient } from '../../src/ledger/witness.client.js';
import { createTestCustos, type TestCustos } from '../support/app.js';

const origin = 'custos.test/witnessed';

describe('a Custos log cosigned by a local witness', () => {
  let dir: string;
  let witness: RunningWitness | undefined;
  let t: TestCustos | undefined;
  afterEach(async () => {
    await t?.dispose();
    await witness?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes only witness-cosigned checkpoints, and the witness refuses a forked checkpoint', async () => {
    dir = mkdtempSync(join(tmpdir(), 'custos-witnessed-'));
    const logKeyFile = join(dir, 'log.skey');
    const logKeys = loadOrCreateLogKey(logKeyFile, origin);
    const witnessKey = generateKey('witness.test', COSIGNATURE_V1);
    writeFileSync(join(dir, 'witness.skey'), `${witnessKey.skey}\n`, { mode: 0o600 });
    witness = await startWitnessServer({
      keyFile: join(dir, 'witness.skey'),
      logs: [`${origin}=${logKeys.vkey}`],
      stateDir: join(dir, 'witness-state'),
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ level: 'silent', pretty: false }),
    });
    t = await createTestCustos('sqlite', {
      'ledger.origin': origin,
      'ledger.keyFile': logKeyFile,
      'ledger.maxDelay': '20ms',
      'ledger.witnesses': [{ url: `${witness.address}/`, vkey: witnessKey.vkey }],
    });
    const { ledger } = t.custos;

    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          ledger.append({ type: 'test.event', id: `e${round}_${i}`, body: i }),
        ),
      );
      await ledger.awaitIntegration(Math.max(...results.map((r) => r.index)));
      const note = ledger.checkpoint();
      // Both the log's signature and the witness's cosignature verify on the published checkpoint.
      const opened = openCheckpoint(note, logKeys.verifier, [parseVerifierKey(witnessKey.vkey)]);
      expect(opened.note.signatures.map((s) => s.name).sort()).toEqual([origin, 'witness.test'].sort());
      expect(opened.checkpoint.size).toBe(300 * (round + 1));
    }

    // A second checkpoint of the same size with another root, signed by the real log key: a fork.
    const current = parseCheckpoint(ledger.checkpoint().split('\n\n')[0]?.concat('\n') ?? '');
    const forged = signNote(
      formatCheckpoint({ origin, size: current.size, root: new Uint8Array(32).fill(9) }),
      [logKeys.signer],
    );
    const client = createWitnessClient({
      url: `${witness.address}/`,
      vkey: parseVerifierKey(witnessKey.vkey),
    });
    const answer = await client
      .addCheckpoint({ oldSize: current.size, proof: [], signedCheckpoint: forged })
      .catch((e: unknown) => e);
    expect(answer).toMatchObject({ kind: 'conflict', knownSize: current.size });
    expect(await witness.witness.forks()).toHaveLength(1);
    // Anyone can read the evidence: both checkpoints, each signed by the log.
    const published = (await (await fetch(`${witness.address}/forks`)).json()) as {
      size: number;
      conflicting: { note: string };
    }[];
    expect(published).toHaveLength(1);
    expect(published[0]?.size).toBe(current.size);
    expect(published[0]?.conflicting.note).toBe(forged);
  });
});
