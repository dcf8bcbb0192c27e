import { CompiledQuery, type Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Outbox } from '../store/outbox.js';
import type { AccessGrantsTable, Database } from '../store/schema.js';
import type { Executor, Store } from '../store/store.js';
import type { Catalog } from './catalog.js';
import { accessActivity, accessEvent } from './events.js';
import { checkScope, type Operation, type Purpose } from './grants.scope.js';
import type { SubjectIds } from './subjects.js';

export {
  checkScope,
  maxDurationByTier,
  maxSubjectsPerGrant,
  type Operation,
  operations,
  type Purpose,
  purposes,
  type Scope,
} from './grants.scope.js';

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
}

/** `starts_at` of a dormant grant: never reached, so `activeFor` ignores it. */
export const dormantStart = Number.MAX_SAFE_INTEGER;

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

/** The rows as grants, each with all its subjects, in the rows' order. */
async function withSubjects(db: Executor, rows: readonly GrantRow[]): Promise<Grant[]> {
  if (rows.length === 0) return [];
  const subjects = await db
    .selectFrom('access_grant_subjects')
    .select(['grant_id', 'subject_id'])
    .where(
      'grant_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('subject_id')
    .execute();
  const byGrant = new Map<string, string[]>();
  for (const { grant_id: id, subject_id: subject } of subjects) {
    const list = byGrant.get(id);
    if (list) list.push(subject);
    else byGrant.set(id, [subject]);
  }
  return rows.map((row) => toGrant(row, byGrant.get(row.id) ?? []));
}

export type Grants = ReturnType<typeof createGrants>;

/**
 * The one owner of grants: time-bound access over subjects × field classes × operations. Nothing
 * else writes `access_grants`. A grant is issued dormant inside the deciding transaction, activated
 * once the decision is on the ledger, and revoked inside the transaction of whatever ended it; its
 * issue and every revocation are announced as events and logged as ledger records through the
 * outbox, so neither can be lost between commit and delivery.
 */
export function createGrants(deps: {
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  catalog: Catalog;
  outbox: Outbox;
  subjectIds: SubjectIds;
}) {
  const { store, clock, catalog, outbox, subjectIds } = deps;
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
    /**
     * Issues a dormant grant inside the caller's transaction: it permits nothing until `activate`,
     * so a crash before the decision is logged leaves a grant that permits nothing rather than one
     * nobody logged.
     */
    async issue(tx: Transaction<Database>, input: IssueGrantInput): Promise<Grant> {
      const scope = checkScope(catalog, { ...input, subjects: subjectIds.normalAll(input.subjects) });
      const now = clock.now();
      const row: GrantRow = {
        id: newId('grt', clock),
        actor_id: input.actorId,
        purpose: input.purpose,
        ticket_id: input.ticketId,
        fields: JSON.stringify(scope.fields),
        operations: JSON.stringify(scope.operations),
        source: input.source,
        starts_at: dormantStart,
        expires_at: now + input.durationMs,
        revoked_at: null,
        revoked_by: null,
        revoke_reason: null,
        created_at: now,
        request_id: input.requestId ?? null,
      };
      await tx.insertInto('access_grants').values(row).execute();
      await tx
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
      return toGrant(row, scope.subjects);
    },

    /**
     * Lets a dormant grant permit from now on (its expiry stays as issued), and announces and logs
     * its issue. `decidedBy` is the approver, `policy` for an automatic approval, or the engineer
     * who broke the glass. Returns the grant as activated, or undefined when it was revoked or
     * activated meanwhile.
     */
    async activate(grant: Grant, decidedBy: string): Promise<Grant | undefined> {
      const now = clock.now();
      return store.transaction(async (tx) => {
        const result = await tx
          .updateTable('access_grants')
          .set({ starts_at: now })
          .where('id', '=', grant.id)
          .where('starts_at', '=', dormantStart)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return undefined;
        await outbox.enqueue(
          tx,
          accessEvent(clock, {
            topic: 'access.grant.issued',
            activityId: accessActivity.assign,
            message: `grant ${grant.id} issued to ${grant.actorId}${grant.requestId ? ` for request ${grant.requestId}` : ' by break-glass'}`,
            actorId: decidedBy,
            payload: {
              grantId: grant.id,
              requestId: grant.requestId,
              source: grant.source,
              actorId: grant.actorId,
              decidedBy,
              purpose: grant.purpose,
              ticketId: grant.ticketId,
              subjectCount: grant.subjects.length,
              fields: grant.fields,
              operations: grant.operations,
              startsAt: now,
              expiresAt: grant.expiresAt,
            },
          }),
          { record: true },
        );
        return { ...grant, startsAt: now };
      });
    },

    /**
     * Revokes these grants inside the caller's transaction, skipping any already revoked or
     * expired; each revocation is announced and logged. `by` is who or what revoked it (a user id,
     * `ticket:<id>`, `review:<id>`, `custos`). Returns the grants it revoked.
     */
    async revoke(
      tx: Transaction<Database>,
      ids: readonly string[],
      by: string,
      reason: string,
    ): Promise<Grant[]> {
      if (ids.length === 0) return [];
      const now = clock.now();
      const rows = await tx
        .updateTable('access_grants')
        .set({ revoked_at: now, revoked_by: by, revoke_reason: reason.slice(0, 500) })
        .where('id', 'in', [...new Set(ids)])
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .execute();
      const revoked = await withSubjects(tx, rows);
      for (const grant of revoked) {
        await outbox.enqueue(
          tx,
          accessEvent(clock, {
            topic: 'access.grant.revoked',
            activityId: accessActivity.revoke,
            message: `grant ${grant.id} of ${grant.actorId} revoked by ${by}: ${reason}`,
            actorId: by.startsWith('usr_') ? by : undefined,
            payload: {
              grantId: grant.id,
              actorId: grant.actorId,
              source: grant.source,
              ticketId: grant.ticketId,
              subjectCount: grant.subjects.length,
              revokedBy: by,
              reason,
            },
          }),
          { record: true },
        );
      }
      return revoked;
    },

    /** One grant with all its subjects. */
    async get(id: string, tx?: Executor): Promise<Grant> {
      const db = tx ?? store.db;
      const row = await db.selectFrom('access_grants').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new CustosError('resource.not_found', 'no such grant');
      return (await withSubjects(db, [row]))[0] as Grant;
    },

    /**
     * Grants not revoked and not expired (dormant ones included) that cite this ticket or are held
     * by this person: what a change to either must reconsider.
     */
    async unended(tx: Executor, filter: { ticketId?: string; actorId?: string }): Promise<Grant[]> {
      let query = tx
        .selectFrom('access_grants')
        .selectAll()
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', clock.now());
      if (filter.ticketId !== undefined) query = query.where('ticket_id', '=', filter.ticketId);
      if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
      return withSubjects(tx, await query.orderBy('created_at').execute());
    },

    /** Grants newest first, optionally one actor's and only those in force. */
    async list(filter: { actorId?: string | undefined; active?: boolean; limit?: number }): Promise<Grant[]> {
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
      return withSubjects(store.db, rows);
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
