import { join } from 'node:path';
import { createManualClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { createFsBlobStore } from '../../src/ledger/blobs.js';
import { loadOrCreateLogKey } from '../../src/ledger/keys.js';
import { createLedger, type Ledger, type LedgerOptions } from '../../src/ledger/ledger.js';
import type { Store } from '../../src/store/store.js';

export const testOrigin = 'custos.test/ledger';

/** A ledger over a test store, with its tiles and key in the test's data folder. */
export async function openTestLedger(
  store: Store,
  dataDir: string,
  overrides: Partial<LedgerOptions> = {},
): Promise<Ledger> {
  const keys = loadOrCreateLogKey(join(dataDir, 'keys', 'ledger.skey'), testOrigin);
  const ledger = createLedger({
    store,
    blobs: createFsBlobStore(join(dataDir, 'ledger')),
    clock: createManualClock(),
    logger: createLogger({ level: 'silent', pretty: false }),
    options: {
      origin: testOrigin,
      signer: keys.signer,
      verifier: keys.verifier,
      vkey: keys.vkey,
      maxDelayMs: 20,
      maxBatch: 4096,
      maxGroup: 2048,
      maxPending: 100_000,
      tileCacheSize: 256,
      ...overrides,
    },
  });
  await ledger.start();
  return ledger;
}
