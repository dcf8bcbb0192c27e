import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import type { BlobStore } from './blobs.js';
import { toBase64 } from './bytes.js';
import { parseCheckpoint } from './checkpoint.js';
import { batchEntry, type LedgerRecord, recordEntry } from './entry.js';
import { createIntegrator, type IntegratorOptions } from './integrator.js';
import { hashLeaf, inclusionProof, isValidInclusion, type NodeReader, rootFromLeafHashes } from './merkle.js';
import type { SignerKey, VerifierKey } from './note.key.js';
import type { PublicationFailure } from './publication.js';
import type { RecordProof } from './recordproof.js';
import { type AppendOptions, createSequencer, type Sequenced, type SequencerOptions } from './sequencer.js';
import { createTileCache } from './tilecache.js';

export interface LedgerOptions extends SequencerOptions {
  origin: string;
  signer: SignerKey;
  verifier: VerifierKey;
  vkey: string;
  maxDelayMs: number;
  maxBatch: number;
  tileCacheSize: number;
  /** How long publication may fail before it is reported (at once for a full disk). */
  unreadyAfterMs: number;
  /** How long an entry may wait for a published checkpoint before publication is stale. */
  staleAfterMs: number;
  cosign?: IntegratorOptions['cosign'];
}

/** Whether checkpoints are being published, read from memory (cheap enough for every check). */
export interface PublicationStatus {
  /**
   * An entry has waited for a published checkpoint longer than `staleAfterMs`: what is logged
   * now is in no published checkpoint, so nothing that relies on the ledger should proceed.
   */
  stale: boolean;
  /** When the oldest entry not covered by a published checkpoint was sequenced (clock time). */
  waitingSince: number | undefined;
  /** What keeps checkpoints from being published, from the first failed attempt in a row. */
  failure: PublicationFailure | undefined;
  /** When this node last published a checkpoint (clock time); undefined if it has not since it started. */
  publishedAt: number | undefined;
  /** The failure has outlasted `unreadyAfterMs`, or is a full disk: the node is not ready. */
  unready: boolean;
}

/** A NodeReader over a small in-memory list of leaf hashes (a batch's records). */
function memoryReader(leaves: readonly Uint8Array[]): NodeReader {
  return async (level, index) =>
    rootFromLeafHashes(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level));
}

/**
 * The tamper-evident ledger: durable two-phase append (sequenced in the store, integrated into
 * C2SP tiles and signed checkpoints in the background), proofs for records, and erasure that
 * keeps the log verifiable.
 */
export function createLedger(deps: {
  store: Pick<Store, 'db' | 'insertMany' | 'orderedInserts'>;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  options: LedgerOptions;
}) {
  const { store, blobs, clock, logger, options } = deps;
  const tiles = createTileCache(blobs, options.tileCacheSize);
  const integrator = createIntegrator({
    blobs,
    tiles,
    clock,
    logger,
    options: {
      origin: options.origin,
      signer: options.signer,
      verifier: options.verifier,
      maxDelayMs: options.maxDelayMs,
      maxBatch: options.maxBatch,
      ...(options.cosign ? { cosign: options.cosign } : {}),
    },
    loadEntries: async (from, to) => {
      const rows = await store.db
        .selectFrom('ledger_entries')
        .select(['idx', 'entry'])
        .where('idx', '>=', from)
        .where('idx', '<', to)
        .orderBy('idx')
        .execute();
      rows.forEach((row, i) => {
        if (Number(row.idx) !== from + i)
          throw new CustosError('ledger.corrupt', `entry ${from + i} is missing from the store`);
      });
      return rows.map((row) => Buffer.from(row.entry, 'utf8'));
    },
  });
  const sequencer = createSequencer({
    store,
    clock,
    logger,
    options: { maxGroup: options.maxGroup, maxPending: options.maxPending },
    onSequenced: (entries) => integrator.sequenced(entries),
  });

  /** Logs what is corrupt (operators must know) and returns the error for the caller. */
  function corrupt(message: string, details: Record<string, unknown>): CustosError {
    logger.error(details, `ledger corrupt: ${message}; run custos ledger audit`);
    return new CustosError('ledger.corrupt', message);
  }

  async function entryAt(index: number): Promise<string> {
    const row = await store.db
      .selectFrom('ledger_entries')
      .select('entry')
      .where('idx', '=', index)
      .executeTakeFirst();
    if (!row) throw corrupt(`entry ${index} is missing from the store`, { index });
    return row.entry;
  }

  return {
    vkey: options.vkey,
    origin: options.origin,
    blobs,
    tiles,
    async start(): Promise<void> {
      const sequenced = await sequencer.start();
      await integrator.start(sequenced);
    },

    /** Sequences a record durably; resolves with its index before it is in a checkpoint. */
    append(record: LedgerRecord, appendOptions?: AppendOptions): Promise<Sequenced> {
      return sequencer.append(record, appendOptions);
    },

    /** Resolves once a published checkpoint covers entry `index`. */
    awaitIntegration(index: number, timeoutMs = 30_000): Promise<void> {
      return integrator.waitFor(index + 1, timeoutMs);
    },

    /** Entries sequenced and entries integrated so far. */
    sizes(): { sequenced: number; integrated: number } {
      return { sequenced: sequencer.size, integrated: integrator.size };
    },

    /** The latest published signed checkpoint. */
    checkpoint(): string {
      return integrator.checkpoint;
    },

    /** Whether checkpoints are being published; synchronous and free of I/O. */
    publication(): PublicationStatus {
      const { waitingSince, failure, publishedAt } = integrator.publication();
      const now = clock.now();
      return {
        stale: waitingSince !== undefined && now - waitingSince > options.staleAfterMs,
        waitingSince,
        failure,
        publishedAt,
        // A full disk does not clear in a few retries: it is reported at once.
        unready:
          failure !== undefined &&
          (failure.code === 'storage.full' || now - failure.since > options.unreadyAfterMs),
      };
    },

    /** A proof that the record was logged, against the latest checkpoint. */
    async prove(recordType: string, recordId: string): Promise<RecordProof> {
      const row = await store.db
        .selectFrom('ledger_records')
        .select(['idx', 'position', 'commitment'])
        .where('record_type', '=', recordType)
        .where('record_id', '=', recordId)
        .executeTakeFirst();
      if (!row) throw new CustosError('resource.not_found', 'no such ledger record');
      const index = Number(row.idx);
      await integrator.waitFor(index + 1, 30_000);
      const checkpointNote = integrator.checkpoint;
      const { size, root } = parseCheckpoint(checkpointNote.slice(0, checkpointNote.indexOf('\n\n') + 1));
      const [entry, inclusion] = await Promise.all([
        entryAt(index),
        inclusionProof(index, size, tiles.reader(size)),
      ]);
      // A proof that cannot verify is a corrupt ledger, not an answer: check it before handing it out.
      if (!isValidInclusion(index, size, hashLeaf(Buffer.from(entry, 'utf8')), inclusion, root)) {
        throw corrupt(`the stored entry ${index} and the tiles do not lead to the checkpoint root`, {
          index,
          size,
        });
      }
      const proof: RecordProof = {
        recordType,
        recordId,
        commitment: row.commitment,
        index,
        entry,
        inclusion: inclusion.map(toBase64),
        checkpoint: checkpointNote,
      };
      if (entry.startsWith('custos.batch/v1\n')) {
        const members = await store.db
          .selectFrom('ledger_records')
          .select(['record_type', 'record_id', 'commitment'])
          .where('idx', '=', index)
          .orderBy('position')
          .execute();
        const memberEntries = members.map((m) =>
          recordEntry(m.record_type, m.record_id, Buffer.from(m.commitment, 'hex')),
        );
        if (Buffer.from(batchEntry(memberEntries)).toString('utf8') !== entry) {
          throw corrupt(`the records stored for batch entry ${index} do not hash to it`, { index });
        }
        const leaves = memberEntries.map(hashLeaf);
        const path = await inclusionProof(row.position, leaves.length, memoryReader(leaves));
        proof.batch = { position: row.position, count: leaves.length, path: path.map(toBase64) };
      }
      return proof;
    },

    /** The stored record with its salt, for whoever may see it (null once erased). */
    async record(recordType: string, recordId: string) {
      return store.db
        .selectFrom('ledger_records')
        .selectAll()
        .where('record_type', '=', recordType)
        .where('record_id', '=', recordId)
        .executeTakeFirst();
    },

    /** Erases a record's content and salt; its commitment and the log stay as they were. */
    async erase(recordType: string, recordId: string): Promise<boolean> {
      const result = await store.db
        .updateTable('ledger_records')
        .set({ body: null, salt: null, erased_at: clock.now() })
        .where('record_type', '=', recordType)
        .where('record_id', '=', recordId)
        .where('erased_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Finishes queued appends, integrates them, and stops. */
    async close(): Promise<void> {
      await sequencer.close();
      await integrator.close();
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;
