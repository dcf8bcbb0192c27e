import type { Clock } from '../core/clock.js';
import { CustosError, isCustosError } from '../core/errors.js';
import { domainEvent, ocsfClass } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { Ledger } from '../ledger/ledger.js';
import type { AccountStates } from '../store/account-state.js';
import type { Outbox } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import type { DecisionQueries, DecisionRow } from './decisions.js';
import type { AccountHistory } from './types.js';

export const takeoverMethods = [
  'sim_swap',
  'code_phishing',
  'code_brute_force',
  'credential_replay',
  'social_engineering',
  'malware',
  'other',
  'unknown',
] as const;
export type TakeoverMethod = (typeof takeoverMethods)[number];

export interface TakeoverReport {
  account: string;
  phone?: string;
  /** When the takeover happened (event time), e.g. the attacker's registration. */
  happenedAt: number;
  /** The platform's id of the event that let the attacker in, when known. */
  eventId?: string;
  method: TakeoverMethod;
  note?: string;
}

export interface Takeover {
  id: string;
  account: string;
  phone: string | null;
  happenedAt: number;
  reportedAt: number;
  eventId: string | null;
  method: TakeoverMethod;
  note: string | null;
  reporter: string;
}

/** How far before and after a takeover its timeline looks. */
export const timelineBeforeMs = 14 * 86_400_000;
export const timelineAfterMs = 2 * 86_400_000;
const timelineLimit = 500;

function fromRow(row: {
  id: string;
  account: string;
  phone: string | null;
  happened_at: number;
  reported_at: number;
  event_id: string | null;
  method: string;
  note: string | null;
  reporter: string;
}): Takeover {
  return {
    id: row.id,
    account: row.account,
    phone: row.phone,
    happenedAt: Number(row.happened_at),
    reportedAt: Number(row.reported_at),
    eventId: row.event_id,
    method: row.method as TakeoverMethod,
    note: row.note,
    reporter: row.reporter,
  };
}

/**
 * Takeovers the platform confirmed: each is a ledger record and a row, announced on the outbox
 * (`ato.takeover.confirmed`), remembered in the account's history, and the ground truth that the
 * console compares Custos's decisions with.
 */
export function createTakeovers(deps: {
  store: Pick<Store, 'db' | 'transaction'>;
  ledger: Pick<Ledger, 'append'>;
  outbox: Outbox;
  clock: Clock;
  histories: Pick<AccountStates<AccountHistory>, 'get' | 'put' | 'exclusive'>;
  decisions: Pick<DecisionQueries, 'search'>;
}) {
  const { store, ledger, outbox, clock, histories, decisions } = deps;

  async function get(id: string): Promise<Takeover> {
    const row = await store.db
      .selectFrom('ato_takeovers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new CustosError('resource.not_found', 'no such takeover');
    return fromRow(row);
  }

  return {
    /** Records a confirmed takeover; resolves once it is on the ledger and in the store. */
    async report(input: TakeoverReport, reporter: string): Promise<Takeover> {
      const id = newId('atk', clock);
      const takeover: Takeover = {
        id,
        account: input.account,
        phone: input.phone ?? null,
        happenedAt: input.happenedAt,
        reportedAt: clock.now(),
        eventId: input.eventId ?? null,
        method: input.method,
        note: input.note ?? null,
        reporter,
      };
      try {
        await ledger.append({ type: 'ato.takeover', id, body: takeover });
      } catch (error) {
        if (isCustosError(error)) throw error;
        throw new CustosError('ledger.unavailable');
      }
      await store.transaction(async (tx) => {
        await tx
          .insertInto('ato_takeovers')
          .values({
            id,
            account: takeover.account,
            phone: takeover.phone,
            happened_at: takeover.happenedAt,
            reported_at: takeover.reportedAt,
            event_id: takeover.eventId,
            method: takeover.method,
            note: takeover.note,
            reporter,
          })
          .execute();
        await outbox.enqueue(
          tx,
          domainEvent(clock, {
            topic: 'ato.takeover.confirmed',
            classUid: ocsfClass.accountChange,
            activityId: 99,
            severityId: 4,
            message: `A takeover of account ${takeover.account} was confirmed.`,
            actorId: reporter,
            payload: {
              takeoverId: id,
              account: takeover.account,
              method: takeover.method,
              happenedAt: takeover.happenedAt,
            },
          }),
        );
      });
      await histories.exclusive(takeover.account, async () => {
        const history = await histories.get(takeover.account);
        if (history && (history.takeoverConfirmedAt ?? 0) < takeover.happenedAt) {
          histories.put({ ...history, takeoverConfirmedAt: takeover.happenedAt });
        }
      });
      return takeover;
    },

    get,

    /** Newest reports first. */
    async list(options: { account?: string; limit: number }): Promise<Takeover[]> {
      let q = store.db.selectFrom('ato_takeovers').selectAll();
      if (options.account !== undefined) q = q.where('account', '=', options.account);
      const rows = await q
        .orderBy('happened_at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.limit)
        .execute();
      return rows.map(fromRow);
    },

    /**
     * A takeover and the account's assessments around it, oldest first: what Custos saw before the
     * attacker got in, the decision that let them (or should have stopped them), and what followed.
     */
    async timeline(
      id: string,
    ): Promise<{ takeover: Takeover; decisions: DecisionRow[]; truncated: boolean }> {
      const takeover = await get(id);
      const page = await decisions.search({
        account: takeover.account,
        from: takeover.happenedAt - timelineBeforeMs,
        to: takeover.happenedAt + timelineAfterMs,
        limit: timelineLimit,
      });
      return { takeover, decisions: page.rows.reverse(), truncated: page.next !== null };
    },

    /**
     * How Custos answered the events that confirmed takeovers name: of the takeovers reported in
     * [from, to) whose event id is known, how many were allowed, challenged, denied or locked.
     */
    async caught(
      from: number,
      to: number,
    ): Promise<{ reported: number; matched: number; byDecision: Record<string, number> }> {
      const rows = await store.db
        .selectFrom('ato_takeovers as t')
        .leftJoin('ato_decisions as d', (join) =>
          join.onRef('d.event_id', '=', 't.event_id').onRef('d.account', '=', 't.account'),
        )
        .select(['t.id as id', 'd.decision as decision'])
        .where('t.happened_at', '>=', from)
        .where('t.happened_at', '<', to)
        .execute();
      const byDecision: Record<string, number> = {};
      const seen = new Set<string>();
      let matched = 0;
      for (const row of rows) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        if (row.decision) {
          matched++;
          byDecision[row.decision] = (byDecision[row.decision] ?? 0) + 1;
        }
      }
      return { reported: seen.size, matched, byDecision };
    },
  };
}

export type Takeovers = ReturnType<typeof createTakeovers>;
