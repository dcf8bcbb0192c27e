import type { Transaction } from 'kysely';
import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AccessApprovalsTable, AccessRequestsTable, Database } from '../store/schema.js';
import type { RecordDecision } from './decisions.js';
import { accessActivity, accessEvent } from './events.js';
import type { Grant } from './grants.js';
import type { Person } from './people.js';
import type { PolicyDecision, RequestFacts } from './policy.js';
import {
  type AccessRequest,
  type AccessRequestsDeps,
  approvalsOf,
  factsOf,
  issueFor,
  loadRequest,
  toRequest,
} from './requests.rows.js';

/** An approval as it stands now: whether it still counts, and as what. */
interface JudgedApproval {
  approverId: string;
  counts: boolean;
  security: boolean;
  management: boolean;
}

/**
 * One person's decision on a pending request. The approve policies say whether they may decide
 * at all (never the requester, never a subject, only approvers and security); refused attempts
 * are recorded whatever the person's role. Approvals count only while their approvers still
 * qualify: when the approvals may suffice, every one of them is judged again as its approver
 * stands now (enabled, roles, registry entry, management chain), and only those that still
 * qualify count towards the grant policies. If they suffice, the grant is issued in the same
 * transaction.
 */
export function createDecide(deps: AccessRequestsDeps, record: RecordDecision) {
  const { store, clock, policy, outbox, people, employees } = deps;

  async function refuse(
    requestId: string,
    approver: Person,
    decision: string,
    policies: string[],
    why: string,
  ) {
    // A refused attempt is itself on the record: who tried to decide what, and why not.
    await record('access.approval.refused', newId('apr', clock), {
      at: clock.now(),
      requestId,
      approver: approver.id,
      roles: [...approver.roles],
      decision,
      policies,
    });
    throw new CustosError('access.denied', why, { policies });
  }

  /** How an approver stands towards a request now. */
  async function judge(
    approverId: string,
    row: AccessRequestsTable,
    facts: RequestFacts,
    chain: readonly string[],
  ): Promise<{ may: PolicyDecision; judged: JudgedApproval }> {
    const [roles, entry] = await Promise.all([people.rolesOf(approverId), employees.get(approverId)]);
    const subjects = JSON.parse(row.subjects) as string[];
    const may = policy.evaluate(
      'approve',
      { id: approverId, roles },
      { id: row.id, facts },
      {
        isRequester: approverId === row.requester_id,
        isSubject: entry?.platformUserId ? subjects.includes(entry.platformUserId) : false,
        inRequesterManagementChain: chain.includes(approverId),
        // Without a registry entry Custos cannot tell whether the approver is a subject.
        approverRegistered: entry !== undefined,
      },
    );
    return {
      may,
      judged: {
        approverId,
        counts: may.allowed,
        security: may.allowed && roles.includes('analyst'),
        management: may.allowed && chain.includes(approverId),
      },
    };
  }

  return async function decide(
    requestId: string,
    approver: Person,
    input: { decision: 'approve' | 'reject'; comment: string },
  ): Promise<{ request: AccessRequest; grant: Grant | null; ledgerIndex: number }> {
    const current = await loadRequest(store, store.db, requestId, false);
    if (!current) {
      // Nothing to decide on, but the attempt of someone who may not decide is still recorded.
      if (!people.allows(approver.roles, 'access.requests.decide')) {
        await refuse(
          requestId,
          approver,
          input.decision,
          [],
          'Your roles do not let you decide on access requests.',
        );
      }
      throw new CustosError('resource.not_found', 'no such access request');
    }
    const chain = await employees.managersOf(current.requester_id);
    // Protection is read again: a subject may have been put on the list since the request.
    const subjects = JSON.parse(current.subjects) as string[];
    const nowProtected = (await deps.protectedSubjects.among(subjects)).length > 0;
    const facts = { ...factsOf(current, false), protectedSubjects: nowProtected };
    const mine = await judge(approver.id, current, facts, chain);
    if (!mine.may.allowed) {
      await refuse(
        requestId,
        approver,
        input.decision,
        mine.may.policies.map((p) => p.id),
        mine.may.policies.length
          ? mine.may.policies.map((p) => p.reason).join(' ')
          : 'No approval policy lets you decide on this request.',
      );
    }
    if (input.decision === 'approve' && !(await people.isActive(current.requester_id))) {
      throw new CustosError('access.request_not_pending', 'the requester’s account is disabled');
    }
    // Every earlier approval is judged again as its approver stands now. Reads happen before the
    // transaction (on SQLite a query beside an open transaction waits for it); the transaction
    // then checks that the approvals it counts are still the ones judged.
    const earlier = await approvalsOf(store.db, requestId);
    const judged = new Map<string, JudgedApproval>([[approver.id, mine.judged]]);
    if (input.decision === 'approve') {
      for (const approval of earlier.filter((a) => a.decision === 'approve')) {
        if (!judged.has(approval.approver_id)) {
          judged.set(approval.approver_id, (await judge(approval.approver_id, current, facts, chain)).judged);
        }
      }
    }
    const requesterRoles = await people.rolesOf(current.requester_id);
    // With an external tracker, its current word on the ticket is read before deciding.
    if (deps.tracker && input.decision === 'approve') await deps.tracker.sync(current.ticket_id);

    const now = clock.now();
    let grant = null as Grant | null;
    const outcome = await store.transaction(async (tx: Transaction<Database>) => {
      const row = await loadRequest(store, tx, requestId, true);
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
        throw new CustosError('access.request_not_pending', `the request is ${row.status}, not pending`);
      }
      row.protected_subjects = nowProtected ? 1 : 0;
      const previous = await approvalsOf(tx, requestId);
      if (previous.some((a) => a.approver_id === approver.id)) {
        throw new CustosError('access.already_decided', 'you have already decided on this request');
      }
      const approval: AccessApprovalsTable = {
        request_id: requestId,
        approver_id: approver.id,
        decision: input.decision,
        comment: input.comment,
        security: mine.judged.security ? 1 : 0,
        management: mine.judged.management ? 1 : 0,
        created_at: now,
      };
      await tx.insertInto('access_approvals').values(approval).execute();
      const approvals = [...previous, approval];
      let decision: PolicyDecision;
      let counted: JudgedApproval[] = [];
      if (input.decision === 'reject') {
        row.status = 'rejected';
        row.decided_at = now;
        decision = { allowed: false, policies: [] };
      } else {
        const yes = approvals.filter((a) => a.decision === 'approve');
        // Someone approved between the reads and this transaction: judge them on the next try.
        if (yes.some((a) => !judged.has(a.approver_id))) {
          throw new CustosError('resource.conflict', 'the request changed while you decided; try again');
        }
        counted = yes.map((a) => judged.get(a.approver_id) as JudgedApproval).filter((j) => j.counts);
        decision = policy.evaluate(
          'grant',
          { id: row.requester_id, roles: requesterRoles },
          { id: requestId, facts },
          {
            approvals: counted.length,
            securityApprovals: counted.filter((j) => j.security).length,
            managementApprovals: counted.filter((j) => j.management).length,
          },
        );
        if (decision.allowed) {
          // The ticket must still back the request when the grant is issued: it may have been
          // closed or reassigned while the request waited.
          await deps.tickets.assertBacks(row.ticket_id, row.requester_id, subjects, tx);
          grant = await issueFor(deps.grants, tx, row);
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
      return { row, approvals, decision, counted };
    });
    if ('expired' in outcome) {
      throw new CustosError('access.request_expired', 'the request expired before it was approved');
    }
    const ledgerIndex = await record(
      'access.approval',
      newId('apv', clock),
      {
        at: now,
        requestId,
        approver: approver.id,
        decision: input.decision,
        security: mine.judged.security,
        management: mine.judged.management,
        status: outcome.row.status,
        policies: outcome.decision.policies.map((p) => p.id),
        // Which approvals counted when the grant policies were asked, as their approvers stood then.
        counted: outcome.counted.map((j) => j.approverId),
        grantId: outcome.row.grant_id,
      },
      grant ? { grant, decidedBy: approver.id } : null,
    );
    return { request: toRequest(outcome.row, outcome.approvals), grant, ledgerIndex };
  };
}
