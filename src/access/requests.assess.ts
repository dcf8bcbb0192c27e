import type { Reason } from '../core/decision.js';
import { CustosError, type ErrorCode } from '../core/errors.js';
import { checkScope, purposes, type Scope } from './grants.js';
import type { Person } from './people.js';
import type { AppliedPolicy, ApprovalPolicy, PolicyDecision, RequestFacts } from './policy.js';
import type { AccessRequestsDeps, CreateRequestInput } from './requests.rows.js';

/** A request as the checks before any approval see it: its scope, the facts the policies read. */
export interface AssessedRequest {
  scope: Scope;
  justification: string;
  /** The subjects among it on the protected list, in normal form. */
  protectedAmong: string[];
  /** Whether the ticket was filed by the request's only subject (the auto-approve case). */
  ticketFiledBySubject: boolean;
}

/**
 * The checks a request must pass before the policies are asked: purpose, scope, justification
 * (unless `justification` is left out, as a preview may), ticket and conflicts of interest.
 * Throws the CustosError that creating the request would answer. With `syncTracker`, an external
 * tracker is asked about the ticket first (creating does; a preview must not call out per keystroke).
 */
export async function assessRequest(
  deps: AccessRequestsDeps,
  input: Omit<CreateRequestInput, 'justification'> & { justification?: string | undefined },
  requester: Person,
  options: { syncTracker: boolean },
): Promise<AssessedRequest> {
  if (!(purposes as readonly string[]).includes(input.purpose)) {
    throw new CustosError('request.invalid', `purpose is one of: ${purposes.join(', ')}`);
  }
  const scope = checkScope(deps.catalog, { ...input, subjects: deps.subjectIds.normalAll(input.subjects) });
  const justification = input.justification?.trim() ?? '';
  if (input.justification !== undefined && justification.length < 10) {
    throw new CustosError('request.invalid', 'say in at least 10 characters why the access is needed');
  }
  if (options.syncTracker && deps.tracker && !(await deps.tracker.sync(input.ticketId))) {
    throw new CustosError('access.ticket_unknown', `ticket ${input.ticketId} is not known to the tracker`);
  }
  const ticket = await deps.tickets.assertBacks(input.ticketId, requester.id, scope.subjects);
  for (const subject of scope.subjects) {
    const conflict = await deps.employees.conflict(requester.id, subject);
    if (conflict) {
      throw new CustosError('access.denied', conflict.message, { reason: conflict.code, subject });
    }
  }
  const protectedAmong = await deps.protectedSubjects.among(scope.subjects);
  return {
    scope,
    justification,
    protectedAmong,
    ticketFiledBySubject:
      scope.subjects.length === 1 && ticket.reporterId !== null && ticket.reporterId === scope.subjects[0],
  };
}

/** What the policies know of an assessed request. */
export function factsOfAssessed(
  assessed: AssessedRequest,
  durationMs: number,
  purpose: string,
): RequestFacts {
  return {
    purpose,
    tier: assessed.scope.tier,
    fields: assessed.scope.fields,
    operations: assessed.scope.operations,
    subjectCount: assessed.scope.subjects.length,
    durationSeconds: Math.ceil(durationMs / 1000),
    protectedSubjects: assessed.protectedAmong.length > 0,
    ticketFiledBySubject: assessed.ticketFiledBySubject,
  };
}

/** The fewest approvals of each kind the grant policies accept, or null if none suffice. */
export interface ApprovalRequirement {
  approvals: number;
  securityApprovals: number;
  managementApprovals: number;
  /** The policies that would then permit the grant. */
  grantedBy: AppliedPolicy[];
}

// Policies asking for more approvers than this are not something a console can promise.
const mostApprovalsTried = 5;

/**
 * Asks the grant policies, with hypothetical approvals, for the smallest set that lets the grant
 * be issued: fewest approvals first, then fewest that must come from security or the management
 * chain. The policies stay the only source of the rule; this only reads their answers.
 */
export function approvalRequirement(
  policy: ApprovalPolicy,
  requester: Person,
  request: { id: string; facts: RequestFacts },
): ApprovalRequirement | null {
  for (let approvals = 1; approvals <= mostApprovalsTried; approvals++) {
    let best: ApprovalRequirement | null = null;
    for (let security = 0; security <= approvals; security++) {
      for (let management = 0; management <= approvals; management++) {
        if (best && security + management >= best.securityApprovals + best.managementApprovals) continue;
        const answer = policy.evaluate('grant', requester, request, {
          approvals,
          securityApprovals: security,
          managementApprovals: management,
        });
        if (answer.allowed) {
          best = {
            approvals,
            securityApprovals: security,
            managementApprovals: management,
            grantedBy: answer.policies,
          };
        }
      }
    }
    if (best) return best;
  }
  return null;
}

/** The answer to "what would happen if I asked for this?", as the console shows it before submitting. */
export interface RequestPreview {
  verdict: 'auto_approved' | 'needs_approval' | 'refused';
  tier: number | null;
  protectedSubjects: boolean | null;
  /** Why it would be refused, or what it would wait for: each with its code and deciding policy. */
  reasons: (Reason & { policy: string | null })[];
  /** The policies that decided: the auto-approve permit, or the grant forbids with no approvals yet. */
  policies: AppliedPolicy[];
  requirement: ApprovalRequirement | null;
}

// Refusals a preview reports as its answer rather than as a failed call: each is what creating
// the request would answer, so the person sees it before submitting.
const refusalCodes = new Set<ErrorCode>([
  'request.invalid',
  'access.scope_invalid',
  'access.unknown_field',
  'access.denied',
  'access.ticket_unknown',
  'access.ticket_closed',
  'access.ticket_not_assigned',
  'access.ticket_subjects_missing',
]);

function policyReasons(decision: PolicyDecision) {
  return decision.policies.map((p) => ({ code: `policy.${p.id}`, message: p.reason, policy: p.id }));
}

/** Runs the checks and the approval policies a new request meets, writing nothing. */
export async function previewRequest(
  deps: AccessRequestsDeps,
  input: Omit<CreateRequestInput, 'justification'> & { justification?: string | undefined },
  requester: Person,
): Promise<RequestPreview> {
  let assessed: AssessedRequest;
  try {
    assessed = await assessRequest(deps, input, requester, { syncTracker: false });
  } catch (error) {
    if (!(error instanceof CustosError) || !refusalCodes.has(error.code)) throw error;
    const detail = error.details as { reason?: unknown } | undefined;
    const code = typeof detail?.reason === 'string' ? detail.reason : error.code;
    return {
      verdict: 'refused',
      tier: null,
      protectedSubjects: null,
      reasons: [{ code, message: error.message, policy: null }],
      policies: [],
      requirement: null,
    };
  }
  // The id a new request would get is not known yet; the policies do not read it.
  const request = {
    id: 'req_preview',
    facts: factsOfAssessed(assessed, input.durationMs, input.purpose),
  };
  const common = { tier: assessed.scope.tier, protectedSubjects: assessed.protectedAmong.length > 0 };
  const auto = deps.policy.evaluate('autoApprove', requester, request, {});
  if (auto.allowed) {
    return {
      verdict: 'auto_approved',
      ...common,
      reasons: policyReasons(auto),
      policies: auto.policies,
      requirement: null,
    };
  }
  const waiting = deps.policy.evaluate('grant', requester, request, {
    approvals: 0,
    securityApprovals: 0,
    managementApprovals: 0,
  });
  const requirement = approvalRequirement(deps.policy, requester, request);
  return {
    verdict: requirement ? 'needs_approval' : 'refused',
    ...common,
    reasons: requirement
      ? policyReasons(waiting)
      : [
          ...policyReasons(waiting),
          {
            code: 'access.no_approval_suffices',
            message: `No set of up to ${mostApprovalsTried} approvals lets the policies grant this request.`,
            policy: null,
          },
        ],
    policies: waiting.policies,
    requirement,
  };
}
