import { CustosError } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { newestFirst, type TimeIdKey } from '../store/pages.js';
import type { Store } from '../store/store.js';
import type { DiscoveryRecordBody } from './check.js';

export const discoveryRecordType = 'discovery.decision';

/** The reason that added most to the score, or the first one, or `none`. */
export function leadingReason(reasons: readonly { code: string; contribution?: number }[]): string {
  let best: { code: string; contribution?: number } | undefined;
  for (const reason of reasons) {
    if (!best || (reason.contribution ?? 0) > (best.contribution ?? 0)) best = reason;
  }
  return best?.code ?? 'none';
}

/** The columns of `discovery_decisions` a decision's search row fills, in order. */
export const decisionColumns = [
  'record_id',
  'at',
  'account',
  'device',
  'ip',
  'decision',
  'score',
  'reason',
  'numbers',
  'allowed',
  'caller',
] as const;

export function decisionRow(id: string, body: DiscoveryRecordBody): unknown[] {
  return [
    id,
    body.at,
    body.account,
    body.device,
    body.ip,
    body.decision,
    body.score,
    leadingReason(body.reasons),
    body.counts.numbers,
    body.allowed,
    body.caller,
  ];
}

export interface DiscoveryDecisionRow {
  id: string;
  at: number;
  account: string;
  device: string;
  ip: string;
  decision: string;
  score: number;
  reason: string;
  numbers: number;
  allowed: number;
}

export interface Offender {
  account: string;
  decisions: number;
  maxScore: number;
  numbers: number;
  lastAt: number;
  lastDecision: string;
  reason: string;
}

/** What the console reads of the guard: decisions other than allow, offenders, canary hits. */
export function createDiscoveryQueries(deps: { store: Pick<Store, 'db'>; ledger: Pick<Ledger, 'record'> }) {
  const { store, ledger } = deps;
  const toRow = (row: {
    record_id: string;
    at: number;
    account: string;
    device: string;
    ip: string;
    decision: string;
    score: number;
    reason: string;
    numbers: number;
    allowed: number;
  }): DiscoveryDecisionRow => ({
    id: row.record_id,
    at: Number(row.at),
    account: row.account,
    device: row.device,
    ip: row.ip,
    decision: row.decision,
    score: Number(row.score),
    reason: row.reason,
    numbers: Number(row.numbers),
    allowed: Number(row.allowed),
  });
  return {
    /** Newest first by event time, one page; `next` is set when more rows follow. */
    async search(query: {
      account?: string;
      decision?: string;
      from?: number;
      to?: number;
      before?: TimeIdKey;
      limit: number;
    }): Promise<{ rows: DiscoveryDecisionRow[]; next: TimeIdKey | null }> {
      let q = store.db.selectFrom('discovery_decisions').selectAll();
      if (query.account !== undefined) q = q.where('account', '=', query.account);
      if (query.decision !== undefined) q = q.where('decision', '=', query.decision);
      if (query.from !== undefined) q = q.where('at', '>=', query.from);
      if (query.to !== undefined) q = q.where('at', '<', query.to);
      const page = await newestFirst(q, query);
      return { rows: page.rows.map(toRow), next: page.next };
    },

    /** One decision with everything the ledger holds of it; 404 when unknown or erased. */
    async get(id: string): Promise<DiscoveryRecordBody & { id: string; ledgerIndex: number }> {
      const stored = await ledger.record(discoveryRecordType, id);
      if (!stored || stored.body === null) throw new CustosError('resource.not_found', 'no such decision');
      return { ...(JSON.parse(stored.body) as DiscoveryRecordBody), id, ledgerIndex: Number(stored.idx) };
    },

    /** Accounts with the most decisions other than allow in [from, to), worst score first. */
    async offenders(from: number, to: number, limit: number): Promise<Offender[]> {
      const grouped = await store.db
        .selectFrom('discovery_decisions')
        .select((eb) => [
          'account',
          eb.fn.countAll<number>().as('decisions'),
          eb.fn.max('score').as('max_score'),
          eb.fn.sum<number>('numbers').as('numbers'),
          eb.fn.max('at').as('last_at'),
        ])
        .where('at', '>=', from)
        .where('at', '<', to)
        .groupBy('account')
        .orderBy('max_score', 'desc')
        .orderBy('decisions', 'desc')
        .limit(limit)
        .execute();
      // The latest decision of each, for its answer and reason.
      const latest = await Promise.all(
        grouped.map((g) =>
          store.db
            .selectFrom('discovery_decisions')
            .select(['decision', 'reason'])
            .where('account', '=', g.account)
            .where('at', '<=', Number(g.last_at))
            .orderBy('at', 'desc')
            .orderBy('record_id', 'desc')
            .limit(1)
            .executeTakeFirst(),
        ),
      );
      return grouped.map((g, i) => ({
        account: g.account,
        decisions: Number(g.decisions),
        maxScore: Number(g.max_score),
        numbers: Number(g.numbers),
        lastAt: Number(g.last_at),
        lastDecision: latest[i]?.decision ?? 'none',
        reason: latest[i]?.reason ?? 'none',
      }));
    },

    /** Canary numbers answered "registered", newest first. */
    async canaryHits(limit: number) {
      const rows = await store.db
        .selectFrom('discovery_canary_hits')
        .selectAll()
        .orderBy('at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        number: r.number,
        account: r.account,
        cohort: r.cohort,
        period: Number(r.period),
        at: Number(r.at),
        check: r.check_id,
      }));
    },
  };
}

export type DiscoveryQueries = ReturnType<typeof createDiscoveryQueries>;
