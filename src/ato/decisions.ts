import { CustosError, isCustosError } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { newestFirst, type TimeIdKey } from '../store/pages.js';
import type { Store } from '../store/store.js';
import type { Assessment, AuthEvent, Features } from './types.js';

export const decisionRecordType = 'ato.decision';

/** What the ledger holds of one assessment: the event as understood, and the whole answer. */
export interface DecisionBody {
  /** The event's own time. */
  at: number;
  /** When Custos answered. */
  assessedAt: number;
  eventType: AuthEvent['type'];
  eventId: string | null;
  account: string | null;
  /** The number in E.164 when it parsed, else as sent (capped). */
  phone: string | null;
  device: string | null;
  ip: string | null;
  caller: string;
  outcome: NonNullable<AuthEvent['outcome']> | null;
  context: {
    country: string | null;
    asn: number | null;
    hosting: boolean;
    ipKind: Features['ip']['kind'];
    phoneCountry: string | null;
    phoneType: string | null;
    browser: string | null;
    os: string | null;
    deviceType: string | null;
  };
  decision: Assessment['decision'];
  challenges: NonNullable<Assessment['challenges']>;
  retryAfterMs: number | null;
  score: number;
  reasons: { code: string; message: string; contribution: number }[];
  actions: Assessment['actions'];
}

/** The reason that moved the score most towards risk, or `none` when nothing did. */
export function leadingReason(assessment: Pick<Assessment, 'reasons'>): string {
  let best: { code: string; contribution: number } | undefined;
  for (const reason of assessment.reasons) {
    if (reason.contribution > 0 && (!best || reason.contribution > best.contribution)) best = reason;
  }
  return best?.code ?? 'none';
}

const cap = (value: string | undefined, length = 128): string | null =>
  value === undefined ? null : value.slice(0, length);

/** The ledger body of an assessment. */
export function decisionBody(input: {
  event: AuthEvent;
  features: Features;
  assessment: Assessment;
  caller: string;
  assessedAt: number;
}): DecisionBody {
  const { event, features, assessment } = input;
  return {
    at: event.time,
    assessedAt: input.assessedAt,
    eventType: event.type,
    eventId: cap(event.eventId),
    account: cap(event.account),
    phone: features.phone.e164 ?? cap(event.phone, 32),
    device: cap(event.device),
    ip: features.ip.address ?? cap(event.ip, 64),
    caller: input.caller,
    outcome: event.outcome ?? null,
    context: {
      country: features.ip.country ?? null,
      asn: features.ip.asn ?? null,
      hosting: features.ip.hosting,
      ipKind: features.ip.kind,
      phoneCountry: features.phone.country ?? null,
      phoneType: features.phone.type ?? null,
      browser: features.agent.browser ?? null,
      os: features.agent.os ?? null,
      deviceType: features.agent.deviceType ?? null,
    },
    decision: assessment.decision,
    challenges: assessment.challenges ?? [],
    retryAfterMs: assessment.retryAfterMs ?? null,
    score: assessment.score,
    reasons: assessment.reasons.map((r) => ({
      code: r.code,
      message: r.message,
      contribution: r.contribution,
    })),
    actions: assessment.actions,
  };
}

/** The columns of `ato_decisions` that a decision's search row fills, in order. */
export const decisionIndexColumns = [
  'record_id',
  'at',
  'event_type',
  'event_id',
  'account',
  'phone',
  'ip',
  'device',
  'decision',
  'score',
  'reason',
  'caller',
] as const;

/** A decision's search row, in `decisionIndexColumns` order. */
export function decisionIndexValues(id: string, body: DecisionBody): unknown[] {
  return [
    id,
    body.at,
    body.eventType,
    body.eventId,
    body.account,
    body.phone,
    body.ip,
    body.device,
    body.decision,
    body.score,
    leadingReason(body),
    body.caller,
  ];
}

/**
 * Puts an assessment on the ledger with its search row in the same transaction. Allows share
 * batch entries (one log entry committing to many records) so logging keeps up with login
 * volume; every challenge, denial and lock is an entry of its own. Resolves once durable.
 */
export async function recordDecision(
  ledger: Pick<Ledger, 'append'>,
  id: string,
  body: DecisionBody,
): Promise<number> {
  try {
    const { index } = await ledger.append(
      { type: decisionRecordType, id, body },
      {
        batchable: body.decision === 'allow',
        alsoInsert: {
          table: 'ato_decisions',
          columns: decisionIndexColumns,
          values: decisionIndexValues(id, body),
        },
      },
    );
    return index;
  } catch (error) {
    if (isCustosError(error)) throw error;
    throw new CustosError('ledger.unavailable');
  }
}

export interface DecisionRow {
  id: string;
  at: number;
  eventType: string;
  eventId: string | null;
  account: string | null;
  phone: string | null;
  ip: string | null;
  device: string | null;
  decision: string;
  score: number;
  reason: string;
}

export interface DecisionQuery {
  account?: string;
  phone?: string;
  ip?: string;
  decision?: string;
  /** Event time bounds, [from, to). */
  from?: number;
  to?: number;
  /** The last row of the previous page: rows strictly older come next. */
  before?: TimeIdKey;
  limit: number;
}

/** Searching and reading assessments for the console. */
export function createDecisionQueries(deps: { store: Pick<Store, 'db'>; ledger: Pick<Ledger, 'record'> }) {
  const { store, ledger } = deps;
  return {
    /** Newest first by event time, one page; `next` is set when more rows follow. */
    async search(query: DecisionQuery): Promise<{ rows: DecisionRow[]; next: TimeIdKey | null }> {
      let q = store.db.selectFrom('ato_decisions').selectAll();
      if (query.account !== undefined) q = q.where('account', '=', query.account);
      if (query.phone !== undefined) q = q.where('phone', '=', query.phone);
      if (query.ip !== undefined) q = q.where('ip', '=', query.ip);
      if (query.decision !== undefined) q = q.where('decision', '=', query.decision);
      if (query.from !== undefined) q = q.where('at', '>=', query.from);
      if (query.to !== undefined) q = q.where('at', '<', query.to);
      const page = await newestFirst(q, query);
      const rows = page.rows.map((row) => ({
        id: row.record_id,
        at: Number(row.at),
        eventType: row.event_type,
        eventId: row.event_id,
        account: row.account,
        phone: row.phone,
        ip: row.ip,
        device: row.device,
        decision: row.decision,
        score: Number(row.score),
        reason: row.reason,
      }));
      return { rows, next: page.next };
    },

    /** One assessment with everything the ledger holds of it; 404 when unknown or erased. */
    async get(id: string): Promise<DecisionBody & { id: string; ledgerIndex: number }> {
      const stored = await ledger.record(decisionRecordType, id);
      if (!stored || stored.body === null) throw new CustosError('resource.not_found', 'no such assessment');
      return { ...(JSON.parse(stored.body) as DecisionBody), id, ledgerIndex: Number(stored.idx) };
    },
  };
}

export type DecisionQueries = ReturnType<typeof createDecisionQueries>;
