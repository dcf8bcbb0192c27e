import type { Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Outbox } from '../store/outbox.js';
import type { AccessApprovalsTable, AccessRequestsTable, Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { Catalog } from './catalog.js';
import type { Employees } from './employees.js';
import type { Grant, Grants, Operation, Purpose } from './grants.js';
import type { People } from './people.js';
import type { ApprovalPolicy, PolicyDecision, RequestFacts } from './policy.js';
import type { ProtectedSubjects } from './protected.js';
import type { SubjectIds } from './subjects.js';
import type { Tickets } from './tickets.js';
import type { TrackerConnector } from './tracker.js';

// The shapes of access requests and the row helpers that creating and deciding share.

export const requestStatuses = ['pending', 'approved', 'rejected', 'cancelled', 'expired'] as const;
export type RequestStatus = (typeof requestStatuses)[number];

export interface Approval {
  approverId: string;
  decision: 'approve' | 'reject';
  comment: string;
  /** The approver held the analyst (security) role when deciding. */
  security: boolean;
  /** The approver was in the requester's management chain when deciding. */
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

/** What a requester asks for; the rest of an AccessRequest is Custos's. */
export type CreateRequestInput = Pick<
  AccessRequest,
  'purpose' | 'ticketId' | 'subjects' | 'fields' | 'operations' | 'durationMs' | 'justification'
>;

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

export function toRequest(row: AccessRequestsTable, approvals: AccessApprovalsTable[]): AccessRequest {
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

/** What the Cedar policies know of a request. */
export function factsOf(row: AccessRequestsTable, ticketFiledBySubject: boolean): RequestFacts {
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

/** One request row, locked for the transaction's lifetime on PostgreSQL when `lock` is set. */
export function loadRequest(
  store: Pick<Store, 'dialect'>,
  db: Transaction<Database> | Store['db'],
  id: string,
  lock: boolean,
) {
  let query = db.selectFrom('access_requests').selectAll().where('id', '=', id);
  // PostgreSQL: concurrent decisions on one request queue behind each other. SQLite
  // transactions are serialised already.
  if (lock && store.dialect === 'postgres') query = query.forUpdate();
  return query.executeTakeFirst();
}

/** The approvals of a request, oldest first. */
export function approvalsOf(db: Transaction<Database> | Store['db'], id: string) {
  return db
    .selectFrom('access_approvals')
    .selectAll()
    .where('request_id', '=', id)
    .orderBy('created_at')
    .orderBy('approver_id')
    .execute();
}

/** The grant a request asks for, issued dormant inside the deciding transaction. */
export function issueFor(
  grants: Pick<Grants, 'issue'>,
  tx: Transaction<Database>,
  row: AccessRequestsTable,
): Promise<Grant> {
  const { requesterId, purpose, ticketId, subjects, fields, operations, durationMs } = toRequest(row, []);
  return grants.issue(tx, {
    actorId: requesterId,
    purpose,
    ticketId,
    subjects,
    fields,
    operations,
    durationMs,
    source: 'approval',
    requestId: row.id,
  });
}

export interface AccessRequestsDeps {
  store: Pick<Store, 'db' | 'transaction' | 'dialect'>;
  clock: Clock;
  logger: Logger;
  catalog: Catalog;
  grants: Pick<Grants, 'issue' | 'revoke' | 'activate'>;
  tickets: Pick<Tickets, 'assertBacks'>;
  /** When set, tickets are read fresh from the external tracker before they back a request. */
  tracker?: Pick<TrackerConnector, 'sync'> | undefined;
  employees: Pick<Employees, 'conflict' | 'get' | 'managersOf'>;
  protectedSubjects: Pick<ProtectedSubjects, 'among'>;
  policy: ApprovalPolicy;
  ledger: Pick<Ledger, 'append'>;
  outbox: Outbox;
  /** Custos's own users as identity answers (roles now, enabled or not, role permissions). */
  people: Pick<People, 'rolesOf' | 'isActive' | 'allows'>;
  subjectIds: SubjectIds;
  options: { pendingTtlMs: number };
}
