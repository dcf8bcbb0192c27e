import { CompiledQuery, type Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AccessGrantsTable, Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { Catalog, Tier } from './catalog.js';

export const operations = ['read', 'export'] as const;
export type Operation = (typeof operations)[number];

export const purposes = [
  'support',
  'abuse_investigation',
  'legal_request',
  'security_incident',
  'debugging',
] as const;
export type Purpose = (typeof purposes)[number];

/** Most subjects one grant may name: access is to listed people, never to "everyone". */
export const maxSubjectsPerGrant = 100;

/** Longest grant per sensitivity tier of the most sensitive field it covers. */
export const maxDurationByTier: Record<Tier, number> = {
  1: 7 * 86_400_000,
  2: 3 * 86_400_000,
  3: 86_400_000,
};

export interface Grant {
  id: string;
  actorId: string;
  purpose: Purpose;
  ticketId: string;
  subjects: string[];
  fields: string[];
  operations: Operation[];
  source: 'approval' | 'break_glass';
  /** The access request it was issued for; null for break-glass. */
  requestId: string | null;
  startsAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface IssueGrantInput {
  actorId: string;
  purpose: Purpose;
  ticketId: string;
  subjects: string[];
  fields: string[];
  operations: Operation[];
  durationMs: number;
  source: Grant['source'];
  requestId?: string | null;
  /**
   * Issue it dormant: it permits nothing until `activate`. Callers that must log a grant before
   * it may be used issue it dormant, append the ledger record, then activate it, so a crash in
   * between leaves a grant that permits nothing rather than one nobody logged.
   */
  dormant?: boolean;
}

/** `starts_at` of a dormant grant: never reached, so `activeFor` ignores it. */
export const dormantStart = Number.MAX_SAFE_INTEGER;

/** A scope checked against the catalog and the caps, with its highest sensitivity tier. */
export interface Scope {
  subjects: string[];
  fields: string[];
  operations: Operation[];
  tier: Tier;
}

/**
 * Checks what a grant or a request would cover: 1 to 100 distinct subjects, known field
 * classes, known operations, and a duration within its tier's cap.
 */
export function checkScope(
  catalog: Catalog,
  input: { subjects: string[]; fields: string[]; operations: string[]; durationMs: number },
): Scope {
  const subjects = [...new Set(input.subjects)];
  if (subjects.length === 0 || subjects.length > maxSubjectsPerGrant) {
    throw new CustosError('request.invalid', `a grant names 1 to ${maxSubjectsPerGrant} subjects`);
  }
  const fields = catalog.resolve(input.fields);
  if (fields.length === 0)
    throw new CustosError('request.invalid', 'a grant covers at least one field class');
  const ops = [...new Set(input.operations)];
  if (ops.length === 0 || ops.some((op) => !(operations as readonly string[]).includes(op))) {
    throw new CustosError('request.invalid', `operations are among: ${operations.join(', ')}`);
  }
  const tier = Math.max(...fields.map((f) => f.tier)) as Tier;
  if (!(input.durationMs > 0) || input.durationMs > maxDurationByTier[tier]) {
    throw new CustosError(
      'request.invalid',
      `a tier ${tier} grant lasts at most ${maxDurationByTier[tier] / 3_600_000} h`,
    );
  }
  return { subjects, fields: fields.map((f) => f.name), operations: ops as Operation[], tier };
}

type GrantRow = AccessGrantsTable;

function toGrant(row: GrantRow, subjects: string[]): Grant {
  return {
    id: row.id,
    actorId: row.actor_id,
    purpose: row.purpose as Purpose,
    ticketId: row.ticket_id,
    subjects,
    fields: JSON.parse(row.fields) as string[],
    operations: JSON.parse(row.operations) as Operation[],
    source: row.source as Grant['source'],
    requestId: row.request_id,
    startsAt: row.starts_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export type Grants = ReturnType<typeof createGrants>;

/**
 * Time-bound grants over subjects × field classes × operations. `issue` is called by the approval
 * flow and break-glass, never by a route directly; revocation takes effect on the next check.
 */
export function createGrants(deps: {
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  catalog: Catalog;
}) {
  const { store, clock, catalog } = deps;
  const activeForQuery = store.db
    .selectFrom('access_grant_subjects as s')
    .innerJoin('access_grants as g', 'g.id', 's.grant_id')
    .selectAll('g')
    .where('s.actor_id', '=', '')
    .where('s.subject_id', '=', '')
    .where('s.expires_at', '>', 0)
    .where('g.starts_at', '<=', 0)
    .where('g.revoked_at', 'is', null)
    .orderBy('g.created_at', 'desc')
    .compile();
  // Bound in this order by activeFor: actor, subject, now, now.
  if (activeForQuery.parameters.length !== 4) throw new Error('activeFor: unexpected parameters');
  const activeForSql = activeForQuery.sql;

  return {
    /** Issues a grant; pass `tx` to make it part of the caller's transaction. */
    async issue(input: IssueGrantInput, tx?: Transaction<Database>): Promise<Grant> {
      const scope = checkScope(catalog, input);
      const now = clock.now();
      const row: GrantRow = {
        id: newId('grt', clock),
        actor_id: input.actorId,
        purpose: input.purpose,
        ticket_id: input.ticketId,
        fields: JSON.stringify(scope.fields),
        operations: JSON.stringify(scope.operations),
        source: input.source,
        starts_at: input.dormant ? dormantStart : now,
        expires_at: now + input.durationMs,
        revoked_at: null,
        revoked_by: null,
        revoke_reason: null,
        created_at: now,
        request_id: input.requestId ?? null,
      };
      const write = async (t: Transaction<Database>) => {
        await t.insertInto('access_grants').values(row).execute();
        await t
          .insertInto('access_grant_subjects')
          .values(
            scope.subjects.map((subject) => ({
              grant_id: row.id,
              actor_id: row.actor_id,
              subject_id: subject,
              expires_at: row.expires_at,
            })),
          )
          .execute();
      };
      if (tx) await write(tx);
      else await store.transaction(write);
      return toGrant(row, scope.subjects);
    },

    /** Lets a dormant grant permit from now on (its expiry stays as issued). */
    async activate(id: string): Promise<void> {
      await store.db
        .updateTable('access_grants')
        .set({ starts_at: clock.now() })
        .where('id', '=', id)
        .where('starts_at', '=', dormantStart)
        .execute();
    },

    /** One grant with all its subjects. */
    async get(id: string): Promise<Grant> {
      const row = await store.db
        .selectFrom('access_grants')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new CustosError('resource.not_found', 'no such grant');
      const subjects = await store.db
        .selectFrom('access_grant_subjects')
        .select('subject_id')
        .where('grant_id', '=', id)
        .orderBy('subject_id')
        .execute();
      return toGrant(
        row,
        subjects.map((s) => s.subject_id),
      );
    },

    /** Revokes a grant; `by` is who or what revoked it (a user id, `ticket:<id>`, `review:<id>`). */
    async revoke(id: string, by: string, reason: string): Promise<void> {
      const result = await store.db
        .updateTable('access_grants')
        .set({ revoked_at: clock.now(), revoked_by: by, revoke_reason: reason.slice(0, 500) })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        const exists = await store.db
          .selectFrom('access_grants')
          .select('id')
          .where('id', '=', id)
          .executeTakeFirst();
        if (!exists) throw new CustosError('resource.not_found', 'no such grant');
      }
    },

    /** Grants newest first, optionally one actor's and only those in force. */
    async list(filter: { actorId?: string; active?: boolean; limit?: number }): Promise<Grant[]> {
      const now = clock.now();
      let query = store.db.selectFrom('access_grants').selectAll();
      if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
      if (filter.active) {
        query = query
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now)
          .where('starts_at', '<=', now);
      }
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.min(filter.limit ?? 50, 200))
        .execute();
      const subjects = rows.length
        ? await store.db
            .selectFrom('access_grant_subjects')
            .select(['grant_id', 'subject_id'])
            .where(
              'grant_id',
              'in',
              rows.map((r) => r.id),
            )
            .orderBy('subject_id')
            .execute()
        : [];
      return rows.map((row) =>
        toGrant(
          row,
          subjects.filter((s) => s.grant_id === row.id).map((s) => s.subject_id),
        ),
      );
    },

    /** The grants in force now for this actor over this subject, newest first. */
    async activeFor(actorId: string, subjectId: string): Promise<Grant[]> {
      const now = clock.now();
      // Every access check runs this: the SQL is built once and only the values change.
      const { rows } = await store.db.executeQuery<GrantRow>(
        CompiledQuery.raw(activeForSql, [actorId, subjectId, now, now]),
      );
      return rows.map((row) => toGrant(row, [subjectId]));
    },
  };
}
