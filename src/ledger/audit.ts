import type { Selectable } from 'kysely';
import type { LedgerRecordsTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { BlobStore } from './blobs.js';
import { batchEntry, recordCommitment, recordEntry } from './entry.js';
import { hashLeaf } from './merkle.hash.js';
import type { TileCache } from './tilecache.js';
import { decodeEntryBundle, entriesPath, TILE_WIDTH } from './tiles.js';

export interface AuditProblem {
  index: number;
  record?: string;
  message: string;
}

export interface AuditReport {
  ok: boolean;
  /** Entries compared with the published tiles (the integrated part of the log). */
  integrated: number;
  entries: number;
  records: number;
  erased: number;
  problems: AuditProblem[];
}

type RecordRow = Omit<Selectable<LedgerRecordsTable>, 'created_at' | 'erased_at'>;

// Enough problems to act on; past this, counting on only slows the audit down.
const maxProblems = 100;

/**
 * Re-derives every stored record's commitment and entry and compares them with the log: the
 * entry in the store, the entry in the published bundle, and the leaf hash in the level-0 tile.
 * A record edited in the store, an entry edited in either place, or a tile edited on disk all
 * show up as problems naming the index and record.
 */
export async function auditLedger(deps: {
  store: Pick<Store, 'db'>;
  blobs: Pick<BlobStore, 'read'>;
  tiles: TileCache;
  integratedSize: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<AuditReport> {
  const { store, integratedSize } = deps;
  const report: AuditReport = {
    ok: true,
    integrated: integratedSize,
    entries: 0,
    records: 0,
    erased: 0,
    problems: [],
  };
  const problem = (p: AuditProblem) => {
    report.ok = false;
    if (report.problems.length < maxProblems) report.problems.push(p);
  };
  const total = Number(
    (
      await store.db
        .selectFrom('ledger_entries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst()
    )?.n ?? 0,
  );
  const read = deps.tiles.reader(integratedSize);
  // The bundle holding the entries being audited: its entries, or why it has none.
  let bundle: { index: number; path: string; entries: Uint8Array[]; unusable?: string } | undefined;

  /** The published entry at `index`, or the problem that keeps it from being read. */
  async function publishedEntry(index: number): Promise<{ entry: Uint8Array } | { problem: string }> {
    const tile = Math.floor(index / TILE_WIDTH);
    if (bundle?.index !== tile) {
      const width = Math.min(TILE_WIDTH, integratedSize - tile * TILE_WIDTH);
      const path = entriesPath(tile, width);
      const data = await deps.blobs.read(path);
      if (data === undefined) bundle = { index: tile, path, entries: [], unusable: `${path} is missing` };
      else {
        try {
          bundle = { index: tile, path, entries: decodeEntryBundle(data, width) };
        } catch (error) {
          // Present but undecodable is corruption, not absence: say so, with the decoder's reason.
          bundle = {
            index: tile,
            path,
            entries: [],
            unusable: `${path} is corrupt: ${(error as Error).message}`,
          };
        }
      }
    }
    const entry = bundle.entries[index % TILE_WIDTH];
    if (entry) return { entry };
    return { problem: bundle.unusable ?? `entry missing from ${bundle.path}` };
  }

  const page = 2048;
  for (let from = 0; from < total; from += page) {
    const entries = await store.db
      .selectFrom('ledger_entries')
      .select(['idx', 'entry'])
      .where('idx', '>=', from)
      .where('idx', '<', from + page)
      .orderBy('idx')
      .execute();
    const records = (await store.db
      .selectFrom('ledger_records')
      .select(['record_type', 'record_id', 'idx', 'position', 'salt', 'body', 'commitment'])
      .where('idx', '>=', from)
      .where('idx', '<', from + page)
      .orderBy('idx')
      .orderBy('position')
      .execute()) as RecordRow[];
    const byIndex = new Map<number, RecordRow[]>();
    for (const record of records) {
      const list = byIndex.get(Number(record.idx)) ?? [];
      list.push(record);
      byIndex.set(Number(record.idx), list);
    }
    for (const row of entries) {
      const index = Number(row.idx);
      report.entries++;
      const members = byIndex.get(index) ?? [];
      const memberEntries: Uint8Array[] = [];
      for (const [position, record] of members.entries()) {
        const name = `${record.record_type}/${record.record_id}`;
        report.records++;
        if (record.position !== position)
          problem({
            index,
            record: name,
            message: `record position ${record.position} where ${position} was expected`,
          });
        if (record.body === null || record.salt === null) {
          report.erased++;
        } else if (
          recordCommitment(Buffer.from(record.salt, 'hex'), record.body).toString('hex') !== record.commitment
        ) {
          problem({
            index,
            record: name,
            message: 'the stored record does not match its commitment (the record was altered)',
          });
        }
        memberEntries.push(
          recordEntry(record.record_type, record.record_id, Buffer.from(record.commitment, 'hex')),
        );
      }
      const derived =
        members.length === 1 ? memberEntries[0] : members.length > 1 ? batchEntry(memberEntries) : undefined;
      const stored = Buffer.from(row.entry, 'utf8');
      if (!derived) problem({ index, message: 'no stored record belongs to this entry' });
      else if (!stored.equals(derived))
        problem({ index, message: 'the stored entry does not commit to its records' });
      if (index < integratedSize) {
        const found = await publishedEntry(index);
        const published = 'entry' in found ? found.entry : undefined;
        if ('problem' in found) problem({ index, message: found.problem });
        else if (!stored.equals(found.entry))
          problem({ index, message: 'the published entry differs from the stored entry' });
        try {
          const leaf = await read(0, index);
          if (!Buffer.from(leaf).equals(hashLeaf(published ?? stored))) {
            problem({ index, message: 'the level-0 tile hash differs from the entry’s leaf hash' });
          }
        } catch (error) {
          problem({ index, message: `tile unreadable: ${(error as Error).message}` });
        }
      }
    }
    deps.onProgress?.(Math.min(total, from + page), total);
  }
  return report;
}
