import type { Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Outbox } from '../store/outbox.js';
import type { AccessApprovalsTable, AccessRequestsTable, Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { Catalog } from './catalog.js';
import { decisionRecorder } from './decisions.js';
import type { Employees } from './employees.js';
import { accessActivity, accessEvent } from './events.js';
import { checkScope, type Grant, type Grants, type Operation, type Purpose, purposes } from './grants.js';
import type { ApprovalPolicy, PolicyDecision, RequestFacts } from './policy.js';
import type { ProtectedSubjects } from './protected.js';
import type { Tickets } from './tickets.js';
import type { TrackerConnector } from './tracker.js';

export const requestStatuses = ['pending', 'approved', 'rejected', 'cancelled', 'expired'] as const;
export type RequestStatus = (typeof requestStatuses)[number];

export interface Approval {
  approverId: string;
  decision: 'approve' | 'reject';
  comment: string;
  /** The approver held the analyst (security) role. */
  security: boolean;
  /** The approver is in the requester's management chain. */
  management: boolean;
  createdAt: number;
}

export interface AccessRequest {
  id: string;
  requesterId: string;
  purpose: Purpose;
  ticketId: string;
  subjects: string[];
  fields: string[];
  operations: Operation[];
  durationMs: number;
  justification: string;
  tier: number;
  protectedSubjects: boolean;
  status: RequestStatus;
  /** The latest policy decision on the request: what granted it, or what it still waits for. */
  decision: PolicyDecision;
  grantId: string | null;
  approvals: Approval[];
  createdAt: number;
  decidedAt: number | null;
  expiresAt: number;
}

export interface CreateRequestInput {
  purpose: Purpose;
  ticketId: string;
  subjects: string[];
  fields: string[];
  operations: Operation[];
  durationMs: number;
  justification: string;
}

/** Who is acting: a Custos user and their roles. */
export interface Person {
  id: string;
  roles: readonly string[];
}

/** Roles that see every request and grant; anyone else sees only their own. */
export const overseerRoles: readonly string[] = ['admin', 'approver', 'analyst', 'auditor'];

/** True when one of these roles sees everyone's requests and grants. */
export function oversees(roles: readonly string[]): boolean {
  return roles.some((role) => overseerRoles.includes(role));
}

function toApproval(row: AccessApprovalsTable): Approval {
  return {
    approverId: row.approver_id,
    decision: row.decision as Approval['decision'],
    comment: row.comment,
    security: row.security === 1,
    management: row.management === 1,
    createdAt: row.created_at,
  };
}

function toRequest(row: AccessRequestsTable, approvals: AccessApprovalsTable[]): AccessRequest {
  return {
    id: row.id,
    requesterId: row.requester_id,
    purpose: row.purpose as Purpose,
    ticketId: row.ticket_id,
    subjects: JSON.parse(row.subjects) as string[],
    fields: JSON.parse(row.fields) as string[],
    operations: JSON.parse(row.operations) as Operation[],
    durationMs: row.duration_ms,
    justification: row.justification,
    tier: row.tier,
    protectedSubjects: row.protected_subjects === 1,
    status: row.status as RequestStatus,
    decision: JSON.parse(row.decision) as PolicyDecision,
    grantId: row.grant_id,
    approvals: approvals.map(toApproval),
    createdAt: row.created_at,
    decidedAt: row.decided_at,
    expiresAt: row.expires_at,
  };
}

function factsOf(row: AccessRequestsTable, ticketFiledBySubject: boolean): RequestFacts {
  const subjects = JSON.parse(row.subjects) as string[];
  return {
    purpose: row.purpose,
    tier: row.tier,
    fields: JSON.parse(row.fields) as string[],
    operations: JSON.parse(row.operations) as string[],
    subjectCount: subjects.length,
    durationSeconds: Math.ceil(row.duration_ms / 1000),
    protectedSubjects: row.protected_subjects === 1,
    ticketFiledBySubject,
  };
}

export type AccessRequests = ReturnType<typeof createAccessRequests>;

/**
 * Access requests and their approval: a request names a purpose, a ticket, explicit subjects,
 * field classes, operations and a duration; the Cedar approval policies decide who may approve
 * it, how many approvals it needs, and the narrow cases granted without an approver. Every
 * request, decision and grant is a ledger record and an outbox event.
 */
export function createAccessRequests(deps: {
  store: Pick<Store, 'db' | 'transaction' | 'dialect'>;
  clock: Clock;
  logger: Logger;
  catalog: Catalog;
  grants: Pick<Grants, 'issue' | 'revoke' | 'get' | 'activate'>;
  tickets: Pick<Tickets, 'assertBacks'>;
  /** When set, tickets are read fresh from the external tracker before they back a request. */
  tracker?: Pick<TrackerConnector, 'sync'> | undefined;
  employees: Pick<Employees, 'conflict' | 'get' | 'managersOf'>;
  protectedSubjects: Pick<ProtectedSubjects, 'among'>;
  policy: ApprovalPolicy;
  ledger: Pick<Ledger, 'append'>;
  outbox: Outbox;
  /** A Custos user's roles, for the policies (handed in by app.ts; empty for an unknown user). */
  rolesOf: (userId: string) => Promise<string[]>;
  options: { pendingTtlMs: number };
}) {
  const { store, clock, policy, outbox } = deps;
  const record = decisionRecorder(deps);

  async function loadRow(tx: Transaction<Database> | Store['db'], id: string, lock: boolean) {
    let query = tx.selectFrom('access_requests').selectAll().where('id', '=', id);
    // PostgreSQL: concurrent decisions on one request queue behind each other. SQLite
    // transactions are serialised already.
    if (lock && store.dialect === 'postgres') query = query.forUpdate();
    return query.executeTakeFirst();
  }

  async function approvalsOf(tx: Transaction<Database> | Store['db'], id: string) {
    return tx
      .selectFrom('access_approvals')
      .selectAll()
      .where('request_id', '=', id)
      .orderBy('created_at')
      .execute();
  }

  async function issueFor(tx: Transaction<Database>, row: AccessRequestsTable): Promise<Grant> {
    return deps.grants.issue(
      {
        actorId: row.requester_id,
        purpose: row.purpose as Purpose,
        ticketId: row.ticket_id,
        subjects: JSON.parse(row.subjects) as string[],
        fields: JSON.parse(row.fields) as string[],
        operations: JSON.parse(row.operations) as Operation[],
        durationMs: row.duration_ms,
        source: 'approval',
        requestId: row.id,
        dormant: true,
      },
      tx,
    );
  }

  /** Announced once the grant is logged and active, never for one the ledger refused. */
  async function announceGrant(grant: Grant, requestId: string, approvedBy: string): Promise<void> {
    await store.transaction((tx) => outbox.enqueue(tx, grantEvent(grant, requestId, approvedBy)));
  }

  function grantEvent(grant: Grant, requestId: string, approvedBy: string) {
    return accessEvent(clock, {
      topic: 'access.grant.issued',
      activityId: accessActivity.assign,
      message: `grant ${grant.id} issued to ${grant.actorId} for request ${requestId}`,
      actorId: approvedBy,
      payload: {
        grantId: grant.id,
        requestId,
        actorId: grant.actorId,
        purpose: grant.purpose,
        ticketId: grant.ticketId,
        subjectCount: grant.subjects.length,
        fields: grant.fields,
        operations: grant.operations,
        expiresAt: grant.expiresAt,
      },
    });
  }

  return {
    async create(
      input: CreateRequestInput,
      requester: Person,
    ): Promise<{ request: AccessRequest; grant: Grant | null; ledgerIndex: number }> {
      if (!(purposes as readonly string[]).includes(input.purpose)) {
        throw new CustosError('request.invalid', `purpose is one of: ${purposes.join(', ')}`);
      }
      const scope = checkScope(deps.catalog, input);
      const justification = input.justification.trim();
      if (justification.length < 10) {
        throw new CustosError('request.invalid', 'say in at least 10 characters why the access is needed');
      }
      if (deps.tracker && !(await deps.tracker.sync(input.ticketId))) {
        throw new CustosError('action.not_allowed', `ticket ${input.ticketId} is not known to the tracker`);
      }
      const ticket = await deps.tickets.assertBacks(input.ticketId, requester.id, scope.subjects);
      for (const subject of scope.subjects) {
        const conflict = await deps.employees.conflict(requester.id, subject);
        if (conflict) {
          throw new CustosError('access.denied', conflict.message, { reason: conflict.code, subject });
        }
      }
      const protectedAmong = await deps.protectedSubjects.among(scope.subjects);
      const now = clock.now();
      const row: AccessRequestsTable = {
        id: newId('req', clock),
        requester_id: requester.id,
        purpose: input.purpose,
        ticket_id: input.ticketId,
        subjects: JSON.stringify(scope.subjects),
        fields: JSON.stringify(scope.fields),
        operations: JSON.stringify(scope.operations),
        duration_ms: input.durationMs,
        justification,
        tier: scope.tier,
        protected_subjects: protectedAmong.length > 0 ? 1 : 0,
        status: 'pending',
        decision: '',
        grant_id: null,
        created_at: now,
        decided_at: null,
        expires_at: now + deps.options.pendingTtlMs,
      };
      const facts = factsOf(
        row,
        scope.subjects.length === 1 && ticket.reporterId !== null && ticket.reporterId === scope.subjects[0],
      );
      const auto = policy.evaluate('autoApprove', requester, { id: row.id, facts }, {});
      // A pending request explains what it waits for: the grant policy's answer with no approvals.
      const decision = auto.allowed
        ? auto
        : policy.evaluate(
            'grant',
            requester,
            { id: row.id, facts },
            { approvals: 0, securityApprovals: 0, managementApprovals: 0 },
          );
      row.decision = JSON.stringify(decision);
      // Assigned inside the transaction callback, where control-flow narrowing cannot follow.
      let grant = null as Grant | null;
      await store.transaction(async (tx) => {
        if (auto.allowed) {
          grant = await issueFor(tx, row);
          row.status = 'approved';
          row.grant_id = grant.id;
          row.decided_at = now;
        }
        await tx.insertInto('access_requests').values(row).execute();
        await outbox.enqueue(
          tx,
          accessEvent(clock, {
            topic: 'access.request.created',
            activityId: accessActivity.other,
            message: `access request ${row.id} by ${requester.id} for ${scope.subjects.length} subject(s) (${input.purpose}, ticket ${input.ticketId})`,
            actorId: requester.id,
            payload: {
              requestId: row.id,
              requesterId: requester.id,
              purpose: input.purpose,
              ticketId: input.ticketId,
              subjectCount: scope.subjects.length,
              fields: scope.fields,
              operations: scope.operations,
              tier: scope.tier,
              protectedSubjects: protectedAmong.length > 0,
              status: row.status,
              waitingFor: decision.allowed ? [] : decision.policies.map((p) => p.reason),
            },
          }),
        );
      });
      const ledgerIndex = await record(
        'access.request',
        row.id,
        {
          at: now,
          requester: requester.id,
          purpose: input.purpose,
          ticket: input.ticketId,
          subjects: scope.subjects,
          fields: scope.fields,
          operations: scope.operations,
          durationMs: input.durationMs,
          justification,
          protectedSubjects: protectedAmong,
          status: row.status,
          policies: decision.policies.map((p) => p.id),
          grantId: row.grant_id,
        },
        grant,
      );
      if (grant) await announceGrant(grant, row.id, 'policy');
      return { request: toRequest(row, []), grant, ledgerIndex };
    },

    /**
     * One person's decision on a pending request. The approve policies say whether they may
     * decide at all (never the requester, never a subject); the grant policies say whether the
     * approvals now suffice, and if so the grant is issued in the same transaction.
     */
    async decide(
      requestId: string,
      approver: Person,
      input: { decision: 'approve' | 'reject'; comment: string },
    ): Promise<{ request: AccessRequest; grant: Grant | null; ledgerIndex: number }> {
      const [approverEntry, current] = await Promise.all([
        deps.employees.get(approver.id),
        loadRow(store.db, requestId, false),
      ]);
      if (!current) throw new CustosError('resource.not_found', 'no such access request');
      const subjects = JSON.parse(current.subjects) as string[];
      const chain = await deps.employees.managersOf(current.requester_id);
      const context = {
        isRequester: approver.id === current.requester_id,
        isSubject: approverEntry?.platformUserId ? subjects.includes(approverEntry.platformUserId) : false,
        inRequesterManagementChain: chain.includes(approver.id),
        // Without a registry entry Custos cannot tell whether the approver is a subject.
        approverRegistered: approverEntry !== undefined,
      };
      // Protection is read again: a subject may have been put on the list since the request.
      const nowProtected = (await deps.protectedSubjects.among(subjects)).length > 0;
      const facts = { ...factsOf(current, false), protectedSubjects: nowProtected };
      const may = policy.evaluate('approve', approver, { id: requestId, facts }, context);
      if (!may.allowed) {
        // A refused attempt is itself on the record: who tried to decide what, and why not.
        await record('access.approval.refused', newId('apr', clock), {
          at: clock.now(),
          requestId,
          approver: approver.id,
          decision: input.decision,
          policies: may.policies.map((p) => p.id),
        });
        const why = may.policies.length
          ? may.policies.map((p) => p.reason).join(' ')
          : 'No approval policy lets you decide on this request.';
        throw new CustosError('access.denied', why, { policies: may.policies.map((p) => p.id) });
      }

      const now = clock.now();
      const security = approver.roles.includes('analyst');
      const requesterRoles = await deps.rolesOf(current.requester_id);
      // With an external tracker, its current word on the ticket is read before deciding.
      if (deps.tracker && input.decision === 'approve') await deps.tracker.sync(current.ticket_id);
      let grant = null as Grant | null;
      const outcome = await store.transaction(async (tx) => {
        const row = await loadRow(tx, requestId, true);
        if (!row) throw new CustosError('resource.not_found', 'no such access request');
        if (row.status === 'pending' && row.expires_at <= now) {
          await tx
            .updateTable('access_requests')
            .set({ status: 'expired', decided_at: now })
            .where('id', '=', requestId)
            .execute();
          return { expired: true as const };
        }
        if (row.status !== 'pending') {
          throw new CustosError('action.not_allowed', `the request is ${row.status}, not pending`);
        }
        row.protected_subjects = nowProtected ? 1 : 0;
        const previous = await approvalsOf(tx, requestId);
        if (previous.some((a) => a.approver_id === approver.id)) {
          throw new CustosError('resource.conflict', 'you have already decided on this request');
        }
        const approval: AccessApprovalsTable = {
          request_id: requestId,
          approver_id: approver.id,
          decision: input.decision,
          comment: input.comment,
          security: security ? 1 : 0,
          management: context.inRequesterManagementChain ? 1 : 0,
          created_at: now,
        };
        await tx.insertInto('access_approvals').values(approval).execute();
        const approvals = [...previous, approval];
        let decision: PolicyDecision;
        if (input.decision === 'reject') {
          row.status = 'rejected';
          row.decided_at = now;
          decision = { allowed: false, policies: [] };
        } else {
          const yes = approvals.filter((a) => a.decision === 'approve');
          decision = policy.evaluate(
            'grant',
            { id: row.requester_id, roles: requesterRoles },
            { id: requestId, facts },
            {
              approvals: yes.length,
              securityApprovals: yes.filter((a) => a.security === 1).length,
              managementApprovals: yes.filter((a) => a.management === 1).length,
            },
          );
          if (decision.allowed) {
            // The ticket must still back the request when the grant is issued: it may have been
            // closed or reassigned while the request waited.
            await deps.tickets.assertBacks(row.ticket_id, row.requester_id, subjects, tx);
            grant = await issueFor(tx, row);
            row.status = 'approved';
            row.grant_id = grant.id;
            row.decided_at = now;
          }
        }
        row.decision = JSON.stringify(decision);
        await tx
          .updateTable('access_requests')
          .set({
            status: row.status,
            decision: row.decision,
            grant_id: row.grant_id,
            decided_at: row.decided_at,
            protected_subjects: row.protected_subjects,
          })
          .where('id', '=', requestId)
          .execute();
        const topic =
          row.status === 'approved'
            ? 'access.request.approved'
            : row.status === 'rejected'
              ? 'access.request.rejected'
              : 'access.request.approval_added';
        await outbox.enqueue(
          tx,
          accessEvent(clock, {
            topic,
            activityId: accessActivity.other,
            message: `${approver.id} ${input.decision === 'approve' ? 'approved' : 'rejected'} access request ${requestId}; it is ${row.status}`,
            actorId: approver.id,
            payload: {
              requestId,
              requesterId: row.requester_id,
              approverId: approver.id,
              decision: input.decision,
              status: row.status,
              waitingFor: row.status === 'pending' ? decision.policies.map((p) => p.reason) : [],
            },
          }),
        );
        return { row, approvals };
      });
      if ('expired' in outcome) {
        throw new CustosError('action.not_allowed', 'the request expired before it was approved');
      }
      const ledgerIndex = await record(
        'access.approval',
        newId('apv', clock),
        {
          at: now,
          requestId,
          approver: approver.id,
          decision: input.decision,
          security,
          management: context.inRequesterManagementChain,
          status: outcome.row.status,
          policies: JSON.parse(outcome.row.decision).policies.map((p: { id: string }) => p.id),
          grantId: outcome.row.grant_id,
        },
        grant,
      );
      if (grant) await announceGrant(grant, requestId, approver.id);
      return { request: toRequest(outcome.row, outcome.approvals), grant, ledgerIndex };
    },

    /** The requester withdraws a pending request. */
    async cancel(requestId: string, by: Person): Promise<AccessRequest> {
      const now = clock.now();
      const row = await store.transaction(async (tx) => {
        const row = await loadRow(tx, requestId, true);
        if (!row || (row.requester_id !== by.id && !oversees(by.roles))) {
          throw new CustosError('resource.not_found', 'no such access request');
        }
        if (row.requester_id !== by.id) {
          throw new CustosError('access.denied', 'only the requester may cancel a request');
        }
        if (row.status !== 'pending') {
          throw new CustosError('action.not_allowed', `the request is ${row.status}, not pending`);
        }
        await tx
          .updateTable('access_requests')
          .set({ status: 'cancelled', decided_at: now })
          .where('id', '=', requestId)
          .execute();
        return { ...row, status: 'cancelled', decided_at: now };
      });
      await record('access.request.cancelled', newId('rqc', clock), { at: now, requestId, by: by.id });
      return toRequest(row, await approvalsOf(store.db, requestId));
    },

    /**
     * Revokes a grant on behalf of a person: its holder, anyone who approved it, or a security
     * analyst. Effective on the next check; recorded in the ledger.
     */
    async revokeGrant(grantId: string, by: Person, reason: string): Promise<Grant> {
      const grant = await deps.grants.get(grantId);
      const analyst = by.roles.includes('analyst');
      let approved = false;
      if (grant.requestId && !analyst && by.id !== grant.actorId) {
        approved = Boolean(
          await store.db
            .selectFrom('access_approvals')
            .select('approver_id')
            .where('request_id', '=', grant.requestId)
            .where('approver_id', '=', by.id)
            .where('decision', '=', 'approve')
            .executeTakeFirst(),
        );
      }
      if (!analyst && !approved && by.id !== grant.actorId) {
        // Approvers and engineers learn nothing about grants that are not theirs.
        if (!oversees(by.roles)) {
          throw new CustosError('resource.not_found', 'no such grant');
        }
        throw new CustosError(
          'access.denied',
          'a grant is revoked by its holder, by someone who approved it, or by a security analyst',
        );
      }
      if (grant.revokedAt !== null)
        throw new CustosError('action.not_allowed', 'the grant is already revoked');
      const now = clock.now();
      await store.transaction(async (tx) => {
        const revoked = await tx
          .updateTable('access_grants')
          .set({ revoked_at: now, revoked_by: by.id, revoke_reason: reason.slice(0, 500) })
          .where('id', '=', grantId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        // Someone else revoked it a moment ago: one revocation, one record, one event.
        if (Number(revoked.numUpdatedRows) === 0) {
          throw new CustosError('action.not_allowed', 'the grant is already revoked');
        }
        await outbox.enqueue(
          tx,
          accessEvent(clock, {
            topic: 'access.grant.revoked',
            activityId: accessActivity.revoke,
            message: `grant ${grantId} of ${grant.actorId} revoked by ${by.id}`,
            actorId: by.id,
            payload: { grantId, actorId: grant.actorId, revokedBy: by.id, reason },
          }),
        );
      });
      await record('access.grant.revoked', newId('rvk', clock), {
        at: now,
        grantId,
        holder: grant.actorId,
        by: by.id,
        reason,
      });
      return { ...grant, revokedAt: now };
    },

    /** One request, for its requester or anyone who oversees requests. */
    async get(requestId: string, viewer: Person): Promise<AccessRequest> {
      const row = await loadRow(store.db, requestId, false);
      if (!row || (row.requester_id !== viewer.id && !oversees(viewer.roles))) {
        throw new CustosError('resource.not_found', 'no such access request');
      }
      return toRequest(row, await approvalsOf(store.db, requestId));
    },

    /** Requests newest first: one's own, or all of them for those who oversee requests. */
    async list(
      viewer: Person,
      filter: { status?: RequestStatus; mine?: boolean; limit?: number },
    ): Promise<AccessRequest[]> {
      let query = store.db.selectFrom('access_requests').selectAll();
      if (filter.mine || !oversees(viewer.roles)) {
        query = query.where('requester_id', '=', viewer.id);
      }
      if (filter.status) query = query.where('status', '=', filter.status);
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.min(filter.limit ?? 50, 200))
        .execute();
      const approvals = rows.length
        ? await store.db
            .selectFrom('access_approvals')
            .selectAll()
            .where(
              'request_id',
              'in',
              rows.map((r) => r.id),
            )
            .orderBy('created_at')
            .execute()
        : [];
      return rows.map((row) =>
        toRequest(
          row,
          approvals.filter((a) => a.request_id === row.id),
        ),
      );
    },
  };
}
