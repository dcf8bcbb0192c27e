import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AccessRequestsTable } from '../store/schema.js';
import { decisionRecorder } from './decisions.js';

export {
  type AccessRequest,
  type Approval,
  type CreateRequestInput,
  type RequestStatus,
  requestStatuses,
} from './requests.rows.js';

import { accessActivity, accessEvent } from './events.js';
import type { Grant } from './grants.js';
import type { Person } from './people.js';
import { assessRequest, previewRequest } from './requests.assess.js';
import { createDecide } from './requests.decide.js';
import {
  type AccessRequest,
  type AccessRequestsDeps,
  approvalsOf,
  type CreateRequestInput,
  factsOf,
  issueFor,
  loadRequest,
  type RequestStatus,
  toRequest,
} from './requests.rows.js';

export type AccessRequests = ReturnType<typeof createAccessRequests>;

/**
 * Access requests and their approval: a request names a purpose, a ticket, explicit subjects,
 * field classes, operations and a duration; the Cedar approval policies decide who may approve
 * it, how many approvals it needs, and the narrow cases granted without an approver. Every
 * request, decision and grant is a ledger record and an outbox event.
 */
export function createAccessRequests(deps: AccessRequestsDeps) {
  const { store, clock, policy, outbox } = deps;
  const record = decisionRecorder(deps);
  const sees = (viewer: Person, row: AccessRequestsTable) =>
    row.requester_id === viewer.id || deps.people.allows(viewer.roles, 'access.requests.read_all');

  return {
    decide: createDecide(deps, record),

    /** What creating this request would answer, and what it would wait for; writes nothing. */
    preview: (input: Parameters<typeof previewRequest>[1], requester: Person) =>
      previewRequest(deps, input, requester),

    async create(
      input: CreateRequestInput,
      requester: Person,
    ): Promise<{ request: AccessRequest; grant: Grant | null; ledgerIndex: number }> {
      const assessed = await assessRequest(deps, input, requester, { syncTracker: true });
      const { scope, justification, protectedAmong } = assessed;
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
      const facts = factsOf(row, assessed.ticketFiledBySubject);
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
          grant = await issueFor(deps.grants, tx, row);
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
        grant ? { grant, decidedBy: 'policy' } : null,
      );
      return { request: toRequest(row, []), grant, ledgerIndex };
    },

    /** The requester withdraws a pending request; recorded on the ledger. */
    async cancel(requestId: string, by: Person): Promise<AccessRequest> {
      const now = clock.now();
      const row = await store.transaction(async (tx) => {
        const row = await loadRequest(store, tx, requestId, true);
        if (!row || !sees(by, row)) throw new CustosError('resource.not_found', 'no such access request');
        if (row.requester_id !== by.id) {
          throw new CustosError('access.denied', 'only the requester may cancel a request');
        }
        if (row.status !== 'pending') {
          throw new CustosError('access.request_not_pending', `the request is ${row.status}, not pending`);
        }
        await tx
          .updateTable('access_requests')
          .set({ status: 'cancelled', decided_at: now })
          .where('id', '=', requestId)
          .execute();
        await outbox.enqueue(
          tx,
          accessEvent(clock, {
            topic: 'access.request.cancelled',
            activityId: accessActivity.other,
            message: `access request ${requestId} cancelled by ${by.id}`,
            actorId: by.id,
            payload: { requestId, requesterId: row.requester_id, by: by.id, reason: 'withdrawn' },
          }),
          { record: true },
        );
        return { ...row, status: 'cancelled', decided_at: now };
      });
      return toRequest(row, await approvalsOf(store.db, requestId));
    },

    /** One request, for its requester or anyone who sees every request. */
    async get(requestId: string, viewer: Person): Promise<AccessRequest> {
      const row = await loadRequest(store, store.db, requestId, false);
      if (!row || !sees(viewer, row)) throw new CustosError('resource.not_found', 'no such access request');
      return toRequest(row, await approvalsOf(store.db, requestId));
    },

    /** Requests newest first: one's own, or everyone's for those who see every request. */
    async list(
      viewer: Person,
      filter: { status?: RequestStatus | undefined; mine?: boolean; limit?: number | undefined },
    ): Promise<AccessRequest[]> {
      let query = store.db.selectFrom('access_requests').selectAll();
      if (filter.mine || !deps.people.allows(viewer.roles, 'access.requests.read_all')) {
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
