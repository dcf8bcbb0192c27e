import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Outbox } from '../store/outbox.js';
import type { AccessBreakGlassTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { Catalog } from './catalog.js';
import { decisionRecorder } from './decisions.js';
import type { Employees } from './employees.js';
import { accessActivity, accessEvent } from './events.js';
import { checkScope, type Grant, type Grants } from './grants.js';
import type { ProtectedSubjects } from './protected.js';
import type { Person } from './requests.js';

export interface BreakGlassOptions {
  /** Longest emergency grant. */
  maxDurationMs: number;
  /** Most subjects one emergency grant may name. */
  maxSubjects: number;
  /** Security must review each use within this time, or it is escalated. */
  reviewWithinMs: number;
}

export interface BreakGlassInput {
  subjects: string[];
  fields: string[];
  durationMs: number;
  reason: string;
  incident?: string | undefined;
}

export interface BreakGlass {
  id: string;
  grantId: string;
  actorId: string;
  reason: string;
  incident: string | null;
  subjects: string[];
  fields: string[];
  createdAt: number;
  reviewDueAt: number;
  reviewedAt: number | null;
  reviewedBy: string | null;
  outcome: 'confirmed' | 'rejected' | null;
  reviewComment: string | null;
  escalatedAt: number | null;
  escalation: 'rejected' | 'unreviewed' | null;
}

function toBreakGlass(row: AccessBreakGlassTable): BreakGlass {
  return {
    id: row.id,
    grantId: row.grant_id,
    actorId: row.actor_id,
    reason: row.reason,
    incident: row.incident,
    subjects: JSON.parse(row.subjects) as string[],
    fields: JSON.parse(row.fields) as string[],
    createdAt: row.created_at,
    reviewDueAt: row.review_due_at,
    reviewedAt: row.reviewed_at,
    reviewedBy: row.reviewed_by,
    outcome: row.outcome as BreakGlass['outcome'],
    reviewComment: row.review_comment,
    escalatedAt: row.escalated_at,
    escalation: row.escalation as BreakGlass['escalation'],
  };
}

// OCSF severity_id: 4 High for a use (security looks at once), 5 Critical for an escalation.
const severityHigh = 4;
const severityCritical = 5;

export type BreakGlassService = ReturnType<typeof createBreakGlass>;

/**
 * Break-glass: an engineer on call self-issues a short emergency read grant with a mandatory
 * reason. Security is notified at once (a high-severity event), must review the use within the
 * review window, and a rejected or unreviewed use is escalated with an `access.breakglass.escalated`
 * event that other modules (incidents, paging) act on.
 */
export function createBreakGlass(deps: {
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  logger: Logger;
  catalog: Catalog;
  grants: Pick<Grants, 'issue' | 'revoke' | 'activate'>;
  employees: Pick<Employees, 'get' | 'conflict'>;
  protectedSubjects: Pick<ProtectedSubjects, 'among'>;
  ledger: Pick<Ledger, 'append'>;
  outbox: Outbox;
  options: BreakGlassOptions;
}) {
  const { store, clock, outbox, options } = deps;
  const record = decisionRecorder(deps);

  function escalationEvent(row: AccessBreakGlassTable, why: 'rejected' | 'unreviewed') {
    return accessEvent(clock, {
      topic: 'access.breakglass.escalated',
      activityId: accessActivity.other,
      severityId: severityCritical,
      message:
        why === 'rejected'
          ? `break-glass ${row.id} by ${row.actor_id} was rejected on review`
          : `break-glass ${row.id} by ${row.actor_id} was not reviewed by its deadline`,
      actorId: row.actor_id,
      payload: {
        breakGlassId: row.id,
        grantId: row.grant_id,
        actorId: row.actor_id,
        escalation: why,
        subjects: JSON.parse(row.subjects) as string[],
        reviewDueAt: row.review_due_at,
      },
    });
  }

  return {
    async use(
      input: BreakGlassInput,
      by: Person,
    ): Promise<{ breakGlass: BreakGlass; grant: Grant; ledgerIndex: number }> {
      const now = clock.now();
      const employee = await deps.employees.get(by.id);
      if (!employee?.onCallUntil || employee.onCallUntil <= now) {
        throw new CustosError('access.denied', 'break-glass is for engineers on call; you are not on call');
      }
      const reason = input.reason.trim();
      if (reason.length < 20) {
        throw new CustosError('request.invalid', 'say in at least 20 characters what the emergency is');
      }
      if (input.subjects.length > options.maxSubjects) {
        throw new CustosError('request.invalid', `break-glass names at most ${options.maxSubjects} subjects`);
      }
      if (!(input.durationMs > 0) || input.durationMs > options.maxDurationMs) {
        throw new CustosError(
          'request.invalid',
          `break-glass lasts at most ${Math.round(options.maxDurationMs / 60_000)} minutes`,
        );
      }
      const scope = checkScope(deps.catalog, { ...input, operations: ['read'] });
      for (const subject of scope.subjects) {
        const conflict = await deps.employees.conflict(by.id, subject);
        if (conflict)
          throw new CustosError('access.denied', conflict.message, { reason: conflict.code, subject });
      }
      // Emergencies do not reach protected subjects: their data always needs two approvers.
      const protectedAmong = await deps.protectedSubjects.among(scope.subjects);
      if (protectedAmong.length) {
        throw new CustosError(
          'access.denied',
          'break-glass does not cover protected subjects; file an access request',
          { reason: 'subject.protected' },
        );
      }
      const id = newId('bgl', clock);
      let grant: Grant | undefined;
      const row: AccessBreakGlassTable = {
        id,
        grant_id: '',
        actor_id: by.id,
        reason,
        incident: input.incident ?? null,
        subjects: JSON.stringify(scope.subjects),
        fields: JSON.stringify(scope.fields),
        created_at: now,
        review_due_at: now + options.reviewWithinMs,
        reviewed_at: null,
        reviewed_by: null,
        outcome: null,
        review_comment: null,
        escalated_at: null,
        escalation: null,
      };
      await store.transaction(async (tx) => {
        grant = await deps.grants.issue(
          {
            actorId: by.id,
            purpose: 'security_incident',
            ticketId: input.incident ?? id,
            subjects: scope.subjects,
            fields: scope.fields,
            operations: ['read'],
            durationMs: input.durationMs,
            source: 'break_glass',
            requestId: null,
            dormant: true,
          },
          tx,
        );
        row.grant_id = grant.id;
        await tx.insertInto('access_break_glass').values(row).execute();
        await outbox.enqueue(
          tx,
          accessEvent(clock, {
            topic: 'access.breakglass.used',
            activityId: accessActivity.assign,
            severityId: severityHigh,
            message: `BREAK-GLASS: ${by.id} opened emergency access to ${scope.subjects.length} user(s) (${scope.fields.join(', ')}): ${reason}`,
            actorId: by.id,
            payload: {
              breakGlassId: id,
              grantId: grant.id,
              actorId: by.id,
              reason,
              incident: row.incident,
              subjects: scope.subjects,
              fields: scope.fields,
              expiresAt: grant.expiresAt,
              reviewDueAt: row.review_due_at,
            },
          }),
        );
      });
      const issued = grant as Grant;
      const ledgerIndex = await record(
        'access.breakglass',
        id,
        {
          at: now,
          actor: by.id,
          reason,
          incident: row.incident,
          subjects: scope.subjects,
          fields: scope.fields,
          grantId: issued.id,
          expiresAt: issued.expiresAt,
          reviewDueAt: row.review_due_at,
        },
        issued,
      );
      return { breakGlass: toBreakGlass(row), grant: issued, ledgerIndex };
    },

    /**
     * Security's review: `confirmed` closes it; `rejected` revokes the grant if it still runs and
     * escalates. Nobody reviews their own use.
     */
    async review(
      id: string,
      reviewer: Person,
      input: { outcome: 'confirmed' | 'rejected'; comment: string },
    ): Promise<BreakGlass> {
      if (!reviewer.roles.includes('analyst')) {
        throw new CustosError('access.denied', 'break-glass is reviewed by security (the analyst role)');
      }
      const now = clock.now();
      const row = await store.transaction(async (tx) => {
        const current = await tx
          .selectFrom('access_break_glass')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst();
        if (!current) throw new CustosError('resource.not_found', 'no such break-glass use');
        if (current.actor_id === reviewer.id) {
          throw new CustosError('access.denied', 'nobody reviews their own break-glass use');
        }
        if (current.reviewed_at !== null) {
          throw new CustosError('action.not_allowed', `already reviewed: ${current.outcome}`);
        }
        const rejected = input.outcome === 'rejected';
        const escalateNow = rejected && current.escalated_at === null;
        const updated: AccessBreakGlassTable = {
          ...current,
          reviewed_at: now,
          reviewed_by: reviewer.id,
          outcome: input.outcome,
          review_comment: input.comment,
          ...(escalateNow ? { escalated_at: now, escalation: 'rejected' } : {}),
        };
        const claimed = await tx
          .updateTable('access_break_glass')
          .set({
            reviewed_at: updated.reviewed_at,
            reviewed_by: updated.reviewed_by,
            outcome: updated.outcome,
            review_comment: updated.review_comment,
            escalated_at: updated.escalated_at,
            escalation: updated.escalation,
          })
          .where('id', '=', id)
          .where('reviewed_at', 'is', null)
          .executeTakeFirst();
        // Another reviewer got there first: nothing of this review may take effect.
        if (Number(claimed.numUpdatedRows) === 0) {
          throw new CustosError('action.not_allowed', 'already reviewed');
        }
        if (rejected) {
          await tx
            .updateTable('access_grants')
            .set({
              revoked_at: now,
              revoked_by: reviewer.id,
              revoke_reason: 'break-glass rejected on review',
            })
            .where('id', '=', current.grant_id)
            .where('revoked_at', 'is', null)
            .execute();
        }
        await outbox.enqueue(
          tx,
          accessEvent(clock, {
            topic: 'access.breakglass.reviewed',
            activityId: accessActivity.other,
            message: `break-glass ${id} by ${current.actor_id} ${input.outcome} by ${reviewer.id}`,
            actorId: reviewer.id,
            payload: {
              breakGlassId: id,
              actorId: current.actor_id,
              outcome: input.outcome,
              reviewerId: reviewer.id,
            },
          }),
        );
        if (escalateNow) await outbox.enqueue(tx, escalationEvent(current, 'rejected'));
        return updated;
      });
      await record('access.breakglass.review', newId('bgr', clock), {
        at: now,
        breakGlassId: id,
        reviewer: reviewer.id,
        outcome: input.outcome,
        comment: input.comment,
      });
      return toBreakGlass(row);
    },

    /** Uses newest first; `pending` keeps those awaiting review. */
    async list(filter: { pending?: boolean; actorId?: string; limit?: number }): Promise<BreakGlass[]> {
      let query = store.db.selectFrom('access_break_glass').selectAll();
      if (filter.pending) query = query.where('reviewed_at', 'is', null);
      if (filter.actorId) query = query.where('actor_id', '=', filter.actorId);
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.min(filter.limit ?? 50, 200))
        .execute();
      return rows.map(toBreakGlass);
    },

    /**
     * Escalates every use whose review deadline passed without a review. Safe to run on several
     * nodes at once: each use is escalated by whichever node marks it first.
     */
    async sweep(): Promise<number> {
      const now = clock.now();
      const overdue = await store.db
        .selectFrom('access_break_glass')
        .selectAll()
        .where('reviewed_at', 'is', null)
        .where('escalated_at', 'is', null)
        .where('review_due_at', '<=', now)
        .limit(500)
        .execute();
      let escalated = 0;
      for (const row of overdue) {
        const marked = await store.transaction(async (tx) => {
          const result = await tx
            .updateTable('access_break_glass')
            .set({ escalated_at: now, escalation: 'unreviewed' })
            .where('id', '=', row.id)
            .where('escalated_at', 'is', null)
            .where('reviewed_at', 'is', null)
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) === 0) return false;
          await outbox.enqueue(tx, escalationEvent(row, 'unreviewed'));
          return true;
        });
        if (!marked) continue;
        escalated++;
        await record('access.breakglass.escalated', newId('bge', clock), {
          at: now,
          breakGlassId: row.id,
          actor: row.actor_id,
          escalation: 'unreviewed',
          reviewDueAt: row.review_due_at,
        }).catch((error: unknown) =>
          deps.logger.error({ err: error, breakGlassId: row.id }, 'the escalation could not be logged'),
        );
      }
      return escalated;
    },
  };
}
