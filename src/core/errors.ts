/**
 * The one error type of Custos and the registry of its codes. A code is stable API: clients and
 * the SDK switch on it, so codes are added, never renamed.
 */
export const errorCodes = {
  'request.invalid': { status: 400, message: 'The request does not match the schema.' },
  'request.malformed': { status: 400, message: 'The request body could not be parsed.' },
  'request.too_large': { status: 413, message: 'The request body is larger than allowed.' },
  'request.unsupported_media_type': { status: 415, message: 'The content type is not supported.' },
  'route.not_found': { status: 404, message: 'No such route.' },
  'auth.required': { status: 401, message: 'Authentication is required.' },
  'auth.invalid_credentials': { status: 401, message: 'The credentials are not valid.' },
  'auth.session_expired': { status: 401, message: 'The session has expired; sign in again.' },
  'auth.csrf_failed': { status: 403, message: 'The CSRF token is missing or does not match.' },
  'auth.forbidden': { status: 403, message: 'Your role does not allow this action.' },
  'auth.password_change_required': {
    status: 403,
    message: 'Choose a new password first: the one you signed in with was generated for one use.',
  },
  'auth.throttled': { status: 429, message: 'Too many failed attempts; try again later.' },
  'auth.oidc_failed': { status: 401, message: 'The identity provider sign-in failed.' },
  'auth.oidc_disabled': { status: 404, message: 'OIDC sign-in is not configured.' },
  'password.too_common': {
    status: 400,
    message: 'The password is too easy to guess: it is common, on a breached-password list or patterned.',
  },
  'resource.not_found': { status: 404, message: 'The resource does not exist.' },
  'resource.conflict': { status: 409, message: 'The resource conflicts with an existing one.' },
  'action.not_allowed': { status: 409, message: 'The action is not allowed in the current state.' },
  'access.denied': { status: 403, message: 'The access policy does not allow this.' },
  'access.unknown_field': { status: 400, message: 'A field class is not in the data catalog.' },
  'access.scope_invalid': {
    status: 400,
    message: 'The subjects, fields, operations or duration are beyond what one grant may cover.',
  },
  'access.ticket_unknown': { status: 409, message: 'The ticket is not known.' },
  'access.ticket_closed': { status: 409, message: 'The ticket is closed.' },
  'access.ticket_not_assigned': { status: 409, message: 'The ticket is not assigned to the requester.' },
  'access.ticket_subjects_missing': { status: 409, message: 'The ticket does not name every subject.' },
  'access.request_not_pending': { status: 409, message: 'The access request is no longer pending.' },
  'access.request_expired': { status: 409, message: 'The access request expired before it was decided.' },
  'access.already_decided': { status: 409, message: 'You have already decided on this.' },
  'access.grant_revoked': { status: 409, message: 'The grant is already revoked.' },
  'access.not_on_call': { status: 403, message: 'Break-glass is for engineers on call.' },
  'access.breakglass_limit': {
    status: 429,
    message: 'The break-glass allowance of this on-call window is used up.',
  },
  'access.breakglass_reviewed': { status: 409, message: 'The break-glass use is already reviewed.' },
  'access.review_closed': { status: 409, message: 'The review campaign is past its deadline.' },
  'identity.self_disable': { status: 409, message: 'Nobody disables their own account.' },
  'identity.self_demotion': { status: 409, message: 'Nobody takes the admin role from themselves.' },
  'identity.last_admin': { status: 409, message: 'The last active admin keeps the admin role.' },
  'ledger.invalid_record': { status: 400, message: 'The ledger record is not one the ledger accepts.' },
  'witness.state_locked': { status: 409, message: 'The witness state is in use by another process.' },
  'access.policy_invalid': {
    status: 422,
    message: 'The approval policies do not validate against the schema; nothing was saved.',
  },
  'access.employee_invalid': { status: 400, message: 'The employee registry entry is not valid.' },
  'config.invalid': { status: 500, message: 'The configuration is not valid.' },
  'store.unavailable': { status: 503, message: 'The store is not reachable.' },
  'limits.unavailable': {
    status: 503,
    message: 'The rate limiter cannot be reached, so the attempt was refused; try again later.',
  },
  'storage.full': { status: 503, message: 'The disk holding Custos data is full; the change was not saved.' },
  'tickets.unavailable': {
    status: 503,
    message: 'The ticket tracker could not be read; nothing was granted.',
  },
  internal: { status: 500, message: 'An internal error occurred.' },
  'ledger.invalid_proof': { status: 422, message: 'The Merkle proof does not verify.' },
  'ledger.invalid_note': { status: 400, message: 'The signed note is malformed.' },
  'ledger.unverified_note': { status: 422, message: 'The note has no signature from a known key.' },
  'ledger.invalid_signature': { status: 422, message: 'A signature from a known key does not verify.' },
  'ledger.invalid_key': { status: 400, message: 'The signer or verifier key is malformed.' },
  'ledger.invalid_checkpoint': { status: 400, message: 'The checkpoint is malformed.' },
  'ledger.invalid_tile': { status: 400, message: 'The tile path or entry bundle is malformed.' },
  'ledger.invalid_range': { status: 400, message: 'The index or tree size is outside the tree.' },
  'ledger.invalid_entry': { status: 400, message: 'The ledger entry is not one Custos writes.' },
  'ledger.unavailable': { status: 503, message: 'The ledger cannot be written; nothing was recorded.' },
  'ledger.corrupt': { status: 500, message: 'The stored ledger does not match its checkpoint.' },
  'ledger.tiles_unavailable': {
    status: 503,
    message: 'The ledger folder cannot be written; checkpoints are not being published.',
  },
  'ledger.publication_stale': {
    status: 503,
    message: 'Ledger entries have waited for a published checkpoint for longer than allowed.',
  },
  'witness.bad_request': { status: 400, message: 'The add-checkpoint request is malformed.' },
  'witness.unknown_log': { status: 404, message: 'The witness does not know the checkpoint origin.' },
  'witness.untrusted_checkpoint': {
    status: 403,
    message: 'No signature on the checkpoint verifies with a key the witness trusts for its origin.',
  },
  'witness.conflict': {
    status: 409,
    message: 'The old size is not the size of the checkpoint the witness last cosigned.',
  },
  'witness.fork': {
    status: 409,
    message: 'The checkpoint has the size of the one the witness cosigned but a different root.',
  },
  'witness.unavailable': { status: 502, message: 'The witness could not be reached or answered badly.' },
  'witness.quorum_failed': { status: 503, message: 'Too few witnesses cosigned the checkpoint.' },
  'witness.state_corrupt': { status: 500, message: 'The witness state on disk is unreadable.' },
  'ledger.source_failed': { status: 502, message: 'A file of the log could not be read.' },
  'ledger.verification_failed': { status: 422, message: 'The log does not verify.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;

/** Structured, JSON-safe details attached to an error (never secrets, never personal data). */
export type ErrorDetails = Record<string, unknown>;

/** An expected failure with a stable code; anything that is not a CustosError is a bug. */
export class CustosError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  /** `options.cause` keeps the underlying error for the log; it is never sent to a client. */
  constructor(code: ErrorCode, message?: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message ?? errorCodes[code].message, options);
    this.name = 'CustosError';
    this.code = code;
    this.details = details;
  }

  /** The HTTP status that the registry assigns to this error's code. */
  get status(): number {
    return errorCodes[this.code].status;
  }
}

/** True when `value` is a CustosError carrying `code` (or any code when none is given). */
export function isCustosError(value: unknown, code?: ErrorCode): value is CustosError {
  return value instanceof CustosError && (code === undefined || value.code === code);
}
