/**
 * Reading the log by index for the console's explorer: entries with their leaf hashes and times,
 * the records behind an entry (their content only when the caller may see it), and inclusion
 * proofs against a chosen tree size.
 */
import { CustosError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { toBase64, toHex } from './bytes.js';
import { parseCheckpoint } from './checkpoint.js';
import type { Ledger } from './ledger.js';
import { hashLeaf, inclusionProof } from './merkle.js';

/** Most entries one page lists. */
export const maxEntriesPage = 200;

export interface EntrySummary {
  index: number;
  kind: 'record' | 'batch';
  /** Lowercase hex RFC 9162 leaf hash of the entry. */
  leafHash: string;
  /** When the entry was sequenced (epoch ms). */
  createdAt: number;
  /** Records this entry commits to (1 for a record entry). */
  records: number;
}

function kindOf(entry: string): 'record' | 'batch' {
  return entry.startsWith('custos.batch/v1\n') ? 'batch' : 'record';
}

function checkpointBody(note: string) {
  return parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1));
}

/** The explorer's reads; `store` and `ledger` are the ones the app built. */
export function createLedgerExplorer(deps: {
  store: Pick<Store, 'db'>;
  ledger: Pick<Ledger, 'sizes' | 'checkpoint' | 'tiles' | 'awaitIntegration'>;
}) {
  const { store, ledger } = deps;

  async function entryRow(index: number) {
    const row = await store.db
      .selectFrom('ledger_entries')
      .select(['idx', 'entry', 'created_at'])
      .where('idx', '=', index)
      .executeTakeFirst();
    if (!row) throw new CustosError('resource.not_found', `the log has no entry ${index}`);
    return row;
  }

  return {
    /** Entries `from` … `from + limit - 1` in index order, with the log's sizes for paging. */
    async list(from: number | undefined, limit: number) {
      const { sequenced, integrated } = ledger.sizes();
      const start = from ?? Math.max(0, sequenced - limit);
      const rows = await store.db
        .selectFrom('ledger_entries')
        .select(['idx', 'entry', 'created_at'])
        .where('idx', '>=', start)
        .where('idx', '<', start + limit)
        .orderBy('idx')
        .execute();
      const counts = new Map<number, number>();
      if (rows.length > 0) {
        const grouped = await store.db
          .selectFrom('ledger_records')
          .select(['idx'])
          .select((eb) => eb.fn.countAll<number | string>().as('count'))
          .where('idx', '>=', start)
          .where('idx', '<', start + limit)
          .groupBy('idx')
          .execute();
        for (const g of grouped) counts.set(Number(g.idx), Number(g.count));
      }
      const entries: EntrySummary[] = rows.map((row) => ({
        index: Number(row.idx),
        kind: kindOf(row.entry),
        leafHash: toHex(hashLeaf(Buffer.from(row.entry, 'utf8'))),
        createdAt: Number(row.created_at),
        records: counts.get(Number(row.idx)) ?? 0,
      }));
      return {
        entries,
        from: start,
        sequenced,
        integrated,
        next: start + limit < sequenced ? start + limit : null,
        previous: start > 0 ? Math.max(0, start - limit) : null,
      };
    },

    /** One entry, its text and its records; content and salt only when `withContent`. */
    async entry(index: number, withContent: boolean) {
      const row = await entryRow(index);
      const records = await store.db
        .selectFrom('ledger_records')
        .selectAll()
        .where('idx', '=', index)
        .orderBy('position')
        .execute();
      return {
        index,
        kind: kindOf(row.entry),
        entry: row.entry,
        leafHash: toHex(hashLeaf(Buffer.from(row.entry, 'utf8'))),
        createdAt: Number(row.created_at),
        integrated: index < ledger.sizes().integrated,
        records: records.map((r) => ({
          type: r.record_type,
          id: r.record_id,
          position: r.position,
          commitment: r.commitment,
          createdAt: Number(r.created_at),
          erasedAt: r.erased_at === null ? null : Number(r.erased_at),
          ...(withContent && r.body !== null && r.salt !== null ? { canonical: r.body, salt: r.salt } : {}),
        })),
        contentShown: withContent,
      };
    },

    /**
     * The inclusion proof of entry `index` in the tree of `treeSize` (by default the latest
     * checkpoint's); the signed checkpoint comes along when it is of that size.
     */
    async proof(index: number, treeSize: number | undefined) {
      const row = await entryRow(index);
      if (treeSize === undefined) await ledger.awaitIntegration(index, 10_000);
      const note = ledger.checkpoint();
      const latest = checkpointBody(note).size;
      const size = treeSize ?? latest;
      if (size <= index)
        throw new CustosError('request.invalid', `entry ${index} is not in a tree of ${size}`);
      if (size > latest) {
        throw new CustosError('resource.not_found', `no checkpoint of size ${size} is published yet`);
      }
      const inclusion = await inclusionProof(index, size, ledger.tiles.reader(size));
      return {
        index,
        treeSize: size,
        entry: row.entry,
        inclusion: inclusion.map(toBase64),
        checkpoint: size === latest ? note : null,
      };
    },

    /** Where a record was logged: its entry index and place in a batch. */
    async locate(recordType: string, recordId: string) {
      const row = await store.db
        .selectFrom('ledger_records')
        .select(['idx', 'position'])
        .where('record_type', '=', recordType)
        .where('record_id', '=', recordId)
        .executeTakeFirst();
      if (!row) throw new CustosError('resource.not_found', 'no such ledger record');
      return { recordType, recordId, index: Number(row.idx), position: row.position };
    },
  };
}

export type LedgerExplorer = ReturnType<typeof createLedgerExplorer>;
