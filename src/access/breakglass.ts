import type { Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Outbox } from '../store/outbox.js';
import type { AccessBreakGlassTable, Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { createBreakGlassReview } from './breakglass.review.js';
import type { Catalog } from './catalog.js';
import { decisionRecorder } from './decisions.js';
import type { Employees } from './employees.js';
import { accessActivity, accessEvent } from './events.js';
import { checkScope, type Grant, type Grants } from './grants.js';
import type { People, Person } from './people.js';
import type { ProtectedSubjects } from './protected.js';
import type { SubjectIds } from './subjects.js';

export interface BreakGlassOptions {
  /** Longest emergency grant. */
  maxDurationMs: number;
  /** Most subjects one emergency grant may name. */
  maxSubjects: number;
  /** Security must review each use within this time, or it is escalated. */
  reviewWithinMs: number;
  /** The on-call window over which one person's uses and subjects are counted (rolling). */
  windowMs: number;
  maxUsesPerWindow: number;
  maxSubjectsPerWindow: number;
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

export function toBreakGlass(row: AccessBreakGlassTable): BreakGlass {
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

// OCSF severity_id: 4 High for a use (security looks at once).
const severityHigh = 4;

export interface BreakGlassDeps {
  store: Pick<Store, 'db' | 'transaction' | 'dialect'>;
  clock: Clock;
  logger: Logger;
  catalog: Catalog;
  grants: Pick<Grants, 'issue' | 'revoke' | 'activate'>;
  employees: Pick<Employees, 'get' | 'conflict'>;
  protectedSubjects: Pick<ProtectedSubjects, 'among'>;
  ledger: Pick<Ledger, 'append'>;
  outbox: Outbox;
  people: Pick<People, 'allows'>;
  subjectIds: SubjectIds;
  options: BreakGlassOptions;
}

export type BreakGlassService = ReturnType<typeof createBreakGlass> &
  ReturnType<typeof createBreakGlassReview>;

/**
 * Break-glass: an engineer on call self-issues a short emergency read grant with a mandatory
 * reason. Each person has a small allowance per on-call window (uses and distinct subjects), so
 * break-glass cannot become a standing back door one emergency at a time. Security is notified at
 * once (a high-severity event), must review the use within the review window, and a rejected or
 * unreviewed use is escalated (see breakglass.review.ts).
 */
export function createBreakGlass(deps: BreakGlassDeps) {
  const { store, clock, outbox, options } = deps;
  const record = decisionRecorder(deps);

  /**
   * What this use would leave of the person's allowance, counted inside the transaction that
   * records it; on PostgreSQL the person's registry row is locked, so two uses at once are
   * counted one after the other.
   */
  async function checkAllowance(tx: Transaction<Database>, actorId: string, subjects: readonly string[]) {
    if (store.dialect === 'postgres') {
      await tx
        .selectFrom('access_employees')
        .select('user_id')
        .where('user_id', '=', actorId)
        .forUpdate()
        .execute();
    }
    const since = clock.now() - options.windowMs;
    const recent = await tx
      .selectFrom('access_break_glass')
      .select('subjects')
      .where('actor_id', '=', actorId)
      .where('created_at', '>', since)
      .execute();
    const reached = new Set([...recent.flatMap((r) => JSON.parse(r.subjects) as string[]), ...subjects]);
    if (recent.length + 1 > options.maxUsesPerWindow || reached.size > options.maxSubjectsPerWindow) {
      return { uses: recent.length, subjects: reached.size - subjects.length };
    }
    return undefined;
  }

  return {
    async use(
      input: BreakGlassInput,
      by: Person,
    ): Promise<{ breakGlass: BreakGlass; grant: Grant; ledgerIndex: number }> {
      const now = clock.now();
      const employee = await deps.employees.get(by.id);
      if (!employee) {
        throw new CustosError(
          'access.denied',
          'You are not in the employee registry, so Custos cannot tell whether you are on call or whether the subjects are you or your colleagues.',
          { reason: 'actor.unregistered' },
        );
      }
      if (!employee.onCallUntil || employee.onCallUntil <= now) {
        throw new CustosError(
          'access.not_on_call',
          'break-glass is for engineers on call; you are not on call',
        );
      }
      const reason = input.reason.trim();
      if (reason.length < 20) {
        throw new CustosError('request.invalid', 'say in at least 20 characters what the emergency is');
      }
      const subjects = deps.subjectIds.normalAll(input.subjects);
      if (subjects.length > options.maxSubjects) {
        throw new CustosError(
          'access.scope_invalid',
          `break-glass names at most ${options.maxSubjects} subjects`,
        );
      }
      if (!(input.durationMs > 0) || input.durationMs > options.maxDurationMs) {
        throw new CustosError(
          'access.scope_invalid',
          `break-glass lasts at most ${Math.round(options.maxDurationMs / 60_000)} minutes`,
        );
      }
      const scope = checkScope(deps.catalog, { ...input, subjects, operations: ['read'] });
      for (const subject of scope.subjects) {
        const conflict = await deps.employees.conflict(by.id, subject);
        if (conflict)
          throw new CustosError('access.denied', conflict.message, { reason: conflict.code, subject });
      }
      // Emergencies do not reach protected subjects: their data always needs two approvers.
      if ((await deps.protectedSubjects.among(scope.subjects)).length) {
        throw new CustosError(
          'access.denied',
          'break-glass does not cover protected subjects; file an access request',
          {
            reason: 'subject.protected',
          },
        );
      }
      const id = newId('bgl', clock);
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
      const outcome = await store.transaction(async (tx) => {
        const exceeded = await checkAllowance(tx, by.id, scope.subjects);
        if (exceeded) {
          // Hitting the allowance is itself something security should see.
          await outbox.enqueue(
            tx,
            accessEvent(clock, {
              topic: 'access.breakglass.refused',
              activityId: accessActivity.other,
              severityId: severityHigh,
              message: `break-glass by ${by.id} refused: ${exceeded.uses} use(s) and ${exceeded.subjects} user(s) already in this on-call window`,
              actorId: by.id,
              payload: {
                actorId: by.id,
                reason: 'allowance',
                usesInWindow: exceeded.uses,
                subjectsInWindow: exceeded.subjects,
              },
            }),
            { record: true },
          );
          return { grant: undefined, exceeded };
        }
        const grant = await deps.grants.issue(tx, {
          actorId: by.id,
          purpose: 'security_incident',
          ticketId: input.incident ?? id,
          subjects: scope.subjects,
          fields: scope.fields,
          operations: ['read'],
          durationMs: input.durationMs,
          source: 'break_glass',
          requestId: null,
        });
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
        return { grant, exceeded: undefined };
      });
      if (outcome.exceeded) {
        const hours = Math.round(options.windowMs / 3_600_000);
        throw new CustosError(
          'access.breakglass_limit',
          `break-glass allows ${options.maxUsesPerWindow} use(s) and ${options.maxSubjectsPerWindow} user(s) per person in ${hours} h; file an access request`,
          { usesInWindow: outcome.exceeded.uses, subjectsInWindow: outcome.exceeded.subjects },
        );
      }
      const grant = outcome.grant as Grant;
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
          grantId: grant.id,
          expiresAt: grant.expiresAt,
          reviewDueAt: row.review_due_at,
        },
        { grant, decidedBy: by.id },
      );
      return { breakGlass: toBreakGlass(row), grant, ledgerIndex };
    },

    /** Uses newest first: one's own, or everyone's for those who oversee break-glass; `pending` keeps those awaiting review. */
    async list(
      viewer: Person,
      filter: { pending?: boolean; limit?: number | undefined },
    ): Promise<BreakGlass[]> {
      let query = store.db.selectFrom('access_break_glass').selectAll();
      if (filter.pending) query = query.where('reviewed_at', 'is', null);
      if (!deps.people.allows(viewer.roles, 'access.breakglass.read_all')) {
        query = query.where('actor_id', '=', viewer.id);
      }
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.min(filter.limit ?? 50, 200))
        .execute();
      return rows.map(toBreakGlass);
    },
  };
}
