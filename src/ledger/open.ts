import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { CustosError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import { createFsBlobStore } from './blobs.js';
import { type LogKeys, loadOrCreateLogKey } from './keys.js';
import { createLedger, type Ledger, type LedgerOptions } from './ledger.js';
import { consistencyProof, type NodeReader } from './merkle.js';
import { parseVerifierKey } from './note.key.js';
import { addCosignatures, cosignWithQuorum, createWitnessClient } from './witness.client.js';

/** The tuning knobs of a ledger, with the defaults of the `ledger.*` settings. */
export type LedgerTuning = Pick<
  LedgerOptions,
  'maxDelayMs' | 'maxBatch' | 'maxGroup' | 'maxPending' | 'tileCacheSize' | 'unreadyAfterMs' | 'staleAfterMs'
>;

export const defaultLedgerTuning: LedgerTuning = {
  maxDelayMs: 1000,
  maxBatch: 16_384,
  maxGroup: 8192,
  maxPending: 200_000,
  tileCacheSize: 4096,
  unreadyAfterMs: 60_000,
  staleAfterMs: 300_000,
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

/**
 * The ledger as the `ledger.*` settings describe it: files and key under the data folder unless
 * placed elsewhere, and, with witnesses, a checkpoint published only once a quorum cosigned it.
 */
export async function openConfiguredLedger(deps: {
  settings: Config['ledger'];
  dataDir: string;
  store: Pick<Store, 'db' | 'insertMany' | 'orderedInserts'>;
  clock: Clock;
  logger: Logger;
}): Promise<{ ledger: Ledger; keys: LogKeys }> {
  const { settings, dataDir } = deps;
  const witnesses = settings.witnesses.map((w) =>
    createWitnessClient({ url: w.url, vkey: parseVerifierKey(w.vkey) }),
  );
  if (settings.staleAfter <= settings.maxDelay) {
    // Entries wait up to maxDelay for their checkpoint by design: a shorter bound would stop
    // access checks on a healthy log.
    throw new CustosError(
      'config.invalid',
      `ledger.staleAfter (${settings.staleAfter} ms) must be longer than ledger.maxDelay (${settings.maxDelay} ms)`,
    );
  }
  const quorum = settings.witnessQuorum ?? witnesses.length;
  if (quorum > witnesses.length) {
    throw new CustosError(
      'config.invalid',
      `ledger.witnessQuorum ${quorum} exceeds the ${witnesses.length} witnesses`,
    );
  }
  // Tiles and key default to the data folder, which is the owner's alone even when the ledger is
  // the first to create it (on PostgreSQL the store creates nothing there). The tiles are public.
  if (!settings.dir || !settings.keyFile) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const opened = await openLocalLedger({
    store: deps.store,
    clock: deps.clock,
    logger: deps.logger,
    origin: settings.origin,
    dir: settings.dir ?? join(dataDir, 'ledger'),
    keyFile: settings.keyFile ?? join(dataDir, 'keys', 'ledger.skey'),
    tuning: {
      maxDelayMs: settings.maxDelay,
      maxBatch: settings.maxBatch,
      maxGroup: settings.maxGroup,
      maxPending: settings.maxPending,
      tileCacheSize: settings.tileCacheSize,
      unreadyAfterMs: settings.unreadyAfter,
      staleAfterMs: settings.staleAfter,
    },
    ...(witnesses.length
      ? {
          cosign: async (note: string, _oldSize: number, newSize: number, read: NodeReader) => {
            const result = await cosignWithQuorum({
              witnesses,
              quorum,
              checkpointNote: note,
              proofFrom: (oldSize) => consistencyProof(oldSize, newSize, read),
            });
            return addCosignatures(note, result.cosignatures);
          },
        }
      : {}),
  });
  if (opened.keys.created) deps.logger.info({ vkey: opened.keys.vkey }, 'ledger signing key created');
  return opened;
}
