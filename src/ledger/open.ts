import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import { createFsBlobStore } from './blobs.js';
import { type LogKeys, loadOrCreateLogKey } from './keys.js';
import { createLedger, type Ledger, type LedgerOptions } from './ledger.js';

/** The tuning knobs of a ledger, with the defaults of the `ledger.*` settings. */
export type LedgerTuning = Pick<
  LedgerOptions,
  'maxDelayMs' | 'maxBatch' | 'maxGroup' | 'maxPending' | 'tileCacheSize'
>;

export const defaultLedgerTuning: LedgerTuning = {
  maxDelayMs: 1000,
  maxBatch: 16_384,
  maxGroup: 8192,
  maxPending: 200_000,
  tileCacheSize: 4096,
};

/**
 * Builds a ledger whose tiles live in a local folder and whose signing key lives in a file
 * (created on first use), and loads its published state.
 */
export async function openLocalLedger(deps: {
  store: Pick<Store, 'db' | 'insertMany' | 'orderedInserts'>;
  clock: Clock;
  logger: Logger;
  origin: string;
  dir: string;
  keyFile: string;
  tuning?: Partial<LedgerTuning>;
  cosign?: LedgerOptions['cosign'];
}): Promise<{ ledger: Ledger; keys: LogKeys }> {
  const keys = loadOrCreateLogKey(deps.keyFile, deps.origin);
  const ledger = createLedger({
    store: deps.store,
    blobs: createFsBlobStore(deps.dir),
    clock: deps.clock,
    logger: deps.logger,
    options: {
      ...defaultLedgerTuning,
      ...deps.tuning,
      origin: deps.origin,
      signer: keys.signer,
      verifier: keys.verifier,
      vkey: keys.vkey,
      ...(deps.cosign ? { cosign: deps.cosign } : {}),
    },
  });
  await ledger.start();
  return { ledger, keys };
}
