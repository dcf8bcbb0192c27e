import { CustosError, isCustosError } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { newestFirst, type TimeIdKey } from '../store/pages.js';
import type { Store } from '../store/store.js';
import type { Attribution, DumpScan } from './attribute.js';

export const attributionRecordType = 'discovery.attribution';

/** Most suspects and cohorts a report keeps; the rest are counted. */
const keptSuspects = 200;

/**
 * A leaked dump traced through its canaries, as the ledger keeps it (`discovery.attribution`):
 * who ran it and when, what the dump held, and whom its canaries point to. The dump itself is not
 * kept, nor any number of it but the canaries no one was ever answered.
 */
export interface AttributionReport {
  id: string;
  at: number;
  /** The principal who ran it. */
  by: string;
  /** What the dump was called (a file name, a forum post). */
  name: string;
  bytes: number;
  scan: Omit<DumpScan, 'canaries'> & { canaries: number };
  attribution: Attribution & { suspectsTotal: number; cohortsTotal: number };
}

export interface AttributionListRow {
  id: string;
  at: number;
  by: string;
  name: string;
  bytes: number;
  parsed: number;
  canaries: number;
  explained: number;
  suspects: number;
  topAccount: string | null;
  topCanaries: number;
}

/** The report of one scan and its attribution, capped to what a record should hold. */
export function attributionReport(input: {
  id: string;
  at: number;
  by: string;
  name: string;
  bytes: number;
  scan: DumpScan;
  attribution: Attribution;
}): AttributionReport {
  const { scan, attribution } = input;
  return {
    id: input.id,
    at: input.at,
    by: input.by,
    name: input.name,
    bytes: input.bytes,
    scan: { ...scan, canaries: scan.canaries.length },
    attribution: {
      ...attribution,
      suspects: attribution.suspects.slice(0, keptSuspects),
      cohorts: attribution.cohorts.slice(0, keptSuspects),
      suspectsTotal: attribution.suspects.length,
      cohortsTotal: attribution.cohorts.length,
    },
  };
}

const listColumns = [
  'record_id',
  'at',
  'by_principal',
  'name',
  'bytes',
  'parsed',
  'canaries',
  'explained',
  'suspects',
  'top_account',
  'top_canaries',
] as const;

function listRow(report: AttributionReport): unknown[] {
  const top = report.attribution.suspects[0];
  return [
    report.id,
    report.at,
    report.by,
    report.name,
    report.bytes,
    report.scan.parsed,
    report.attribution.canaries,
    report.attribution.explained,
    report.attribution.suspectsTotal,
    top?.account ?? null,
    top?.canaries ?? 0,
  ];
}

/** Attribution reports: recorded on the ledger with their list row, listed and read back. */
export function createAttributionReports(deps: {
  store: Pick<Store, 'db'>;
  ledger: Pick<Ledger, 'append' | 'record'>;
}) {
  const { store, ledger } = deps;
  return {
    async save(report: AttributionReport): Promise<void> {
      try {
        await ledger.append(
          { type: attributionRecordType, id: report.id, body: report },
          {
            alsoInsert: {
              table: 'discovery_attributions',
              columns: listColumns,
              values: listRow(report),
            },
          },
        );
      } catch (error) {
        if (isCustosError(error)) throw error;
        throw new CustosError('ledger.unavailable');
      }
    },

    /** Newest first, one page; `next` is set when more follow. */
    async list(query: {
      before?: TimeIdKey;
      limit: number;
    }): Promise<{ rows: AttributionListRow[]; next: TimeIdKey | null }> {
      const page = await newestFirst(store.db.selectFrom('discovery_attributions').selectAll(), query);
      const rows = page.rows.map((r) => ({
        id: r.record_id,
        at: Number(r.at),
        by: r.by_principal,
        name: r.name,
        bytes: Number(r.bytes),
        parsed: Number(r.parsed),
        canaries: Number(r.canaries),
        explained: Number(r.explained),
        suspects: Number(r.suspects),
        topAccount: r.top_account,
        topCanaries: Number(r.top_canaries),
      }));
      return { rows, next: page.next };
    },

    /** One report as the ledger holds it; 404 when unknown. */
    async get(id: string): Promise<AttributionReport & { ledgerIndex: number }> {
      const stored = await ledger.record(attributionRecordType, id);
      if (!stored || stored.body === null) throw new CustosError('resource.not_found', 'no such report');
      return { ...(JSON.parse(stored.body) as AttributionReport), ledgerIndex: Number(stored.idx) };
    },
  };
}

export type AttributionReports = ReturnType<typeof createAttributionReports>;
