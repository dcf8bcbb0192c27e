import { join } from 'node:path';
import { createManualClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { type LedgerTuning, openLocalLedger } from '../../src/ledger/open.js';
import type { Store } from '../../src/store/store.js';

export const testOrigin = 'custos.test/ledger';

/** A ledger over a test store, with its tiles and key in the test's data folder. */
export async function openTestLedger(
  store: Store,
  dataDir: string,
  tuning: Partial<LedgerTuning> = {},
  origin = testOrigin,
): Promise<Ledger> {
  const { ledger } = await openLocalLedger({
    store,
    clock: createManualClock(),
    logger: createLogger({ level: 'silent', pretty: false }),
    origin,
    dir: join(dataDir, 'ledger'),
    keyFile: join(dataDir, 'keys', 'ledger.skey'),
    tuning: {
      maxDelayMs: 20,
      maxBatch: 4096,
      maxGroup: 2048,
      maxPending: 100_000,
      tileCacheSize: 256,
      ...tuning,
    },
  });
  return ledger;
}
