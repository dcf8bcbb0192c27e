import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Times are integers of milliseconds since the epoch on both SQLite and PostgreSQL (bigint). */
export type Millis = number;

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  /** JSON array of role names. */
  roles: string;
  password_hash: string | null;
  oidc_subject: string | null;
  created_at: Millis;
  updated_at: Millis;
  disabled_at: Millis | null;
  last_login_at: Millis | null;
  /** 1 while the user holds a generated password they must replace before anything else. */
  password_change_required: number;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  csrf_hash: string;
  user_id: string;
  created_at: Millis;
  last_seen_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
  ip: string;
  user_agent: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  secret_hash: string;
  /** JSON array of role names. */
  roles: string;
  /** JSON array of permission names, or ["*"]. */
  scopes: string;
  created_by: string;
  created_at: Millis;
  expires_at: Millis | null;
  last_used_at: Millis | null;
  revoked_at: Millis | null;
}

export interface OidcStatesTable {
  state_hash: string;
  code_verifier: string;
  nonce: string;
  created_at: Millis;
  expires_at: Millis;
}

export interface OutboxTable {
  id: string;
  topic: string;
  /** `bus` or `webhook:<name>`. */
  destination: string;
  /** JSON of the event. */
  payload: string;
  attempts: Generated<number>;
  next_attempt_at: Millis;
  created_at: Millis;
  delivered_at: Millis | null;
  dead_at: Millis | null;
  last_error: string | null;
}

export interface LedgerEntriesTable {
  idx: number;
  entry: string;
  created_at: Millis;
}

export interface LedgerRecordsTable {
  record_type: string;
  record_id: string;
  idx: number;
  position: number;
  /** Hex; null once the record is erased. */
  salt: string | null;
  /** Canonical JSON (RFC 8785); null once the record is erased. */
  body: string | null;
  commitment: string;
  created_at: Millis;
  erased_at: Millis | null;
}

export interface AccessGrantsTable {
  id: string;
  actor_id: string;
  purpose: string;
  ticket_id: string;
  /** JSON array of field class names. */
  fields: string;
  /** JSON array of operations. */
  operations: string;
  /** `approval` or `break_glass`. */
  source: string;
  starts_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  created_at: Millis;
  /** The access request this grant was issued for; null for break-glass. */
  request_id: string | null;
}

export interface AccessGrantSubjectsTable {
  grant_id: string;
  actor_id: string;
  subject_id: string;
  expires_at: Millis;
}

export interface AccessTicketsTable {
  id: string;
  title: string;
  /** `open` or `closed`. */
  status: string;
  assignee_id: string | null;
  /** JSON array of platform user ids. */
  subjects: string;
  posted_by: string;
  created_at: Millis;
  updated_at: Millis;
  closed_at: Millis | null;
  /** The platform user who filed the ticket, when the source system says. */
  reporter_id: string | null;
}

export interface AccessEmployeesTable {
  /** The engineer's Custos user id. */
  user_id: string;
  /** Their own account on the platform, if any. */
  platform_user_id: string | null;
  /** Their manager's Custos user id. */
  manager_id: string | null;
  team: string | null;
  updated_at: Millis;
  /** On call until this time (set by the paging system); break-glass needs it. */
  on_call_until: Millis | null;
}

export interface AccessBreakGlassTable {
  id: string;
  grant_id: string;
  actor_id: string;
  reason: string;
  /** The incident or page that called for it, if given. */
  incident: string | null;
  /** JSON arrays. */
  subjects: string;
  fields: string;
  created_at: Millis;
  review_due_at: Millis;
  reviewed_at: Millis | null;
  reviewed_by: string | null;
  /** `confirmed` or `rejected`. */
  outcome: string | null;
  review_comment: string | null;
  escalated_at: Millis | null;
  /** Why it was escalated: `rejected` or `unreviewed`. */
  escalation: string | null;
}

export interface AccessRequestsTable {
  id: string;
  requester_id: string;
  purpose: string;
  ticket_id: string;
  /** JSON arrays. */
  subjects: string;
  fields: string;
  operations: string;
  duration_ms: number;
  justification: string;
  /** Highest sensitivity tier among the fields. */
  tier: number;
  /** 1 when a subject was on the protected list at request time. */
  protected_subjects: number;
  /** `pending`, `approved`, `rejected`, `cancelled` or `expired`. */
  status: string;
  /** JSON: the latest policy decision, with the policies that determined it. */
  decision: string;
  grant_id: string | null;
  created_at: Millis;
  decided_at: Millis | null;
  /** A pending request lapses at this time. */
  expires_at: Millis;
}

export interface AccessApprovalsTable {
  request_id: string;
  approver_id: string;
  /** `approve` or `reject`. */
  decision: string;
  comment: string;
  /** 1 when the approver held the analyst (security) role. */
  security: number;
  /** 1 when the approver is in the requester's management chain. */
  management: number;
  created_at: Millis;
}

export interface AccessProtectedSubjectsTable {
  subject_id: string;
  /** `public_figure`, `journalist`, `executive`, `at_risk` or `other`. */
  category: string;
  added_by: string;
  created_at: Millis;
}

export interface AccessReviewCampaignsTable {
  id: string;
  name: string;
  created_by: string;
  created_at: Millis;
  deadline: Millis;
  /** Grants lasting longer than this are reviewed; null leaves grants out. */
  grant_threshold_ms: number | null;
  /** 1 when roles with standing privilege and service keys are reviewed. */
  include_roles: number;
  /** `open` or `closed`. */
  status: string;
  reminded_at: Millis | null;
  closed_at: Millis | null;
}

export interface AccessReviewItemsTable {
  id: string;
  campaign_id: string;
  /** `grant`, `role` or `apikey`. */
  kind: string;
  /** The grant id, `<usr id>:<role>`, or the API key id. */
  target: string;
  /** Who holds the privilege (a usr_ id, or the key id for service keys). */
  holder_id: string;
  description: string;
  /** Null when nobody eligible could be assigned: the item then lapses at the deadline. */
  reviewer_id: string | null;
  /** `confirm`, `revoke`, or `expired` (revoked at the deadline unreviewed). */
  decision: string | null;
  comment: string | null;
  decided_at: Millis | null;
  /** What happened to the privilege: `kept`, `revoked`, `already_gone` or an error note. */
  outcome: string | null;
}

export interface AccessDisclosuresTable {
  /** The `access.disclosure` ledger record's id (`dsc_…`). */
  record_id: string;
  subject_id: string;
  at: Millis;
  /** Listed to the subject from this time on: later than `at` under a legal hold. */
  visible_from: Millis;
}

/** A secret the nodes sharing a store agree on; the first node to need it creates it. */
export interface SharedSecretsTable {
  name: string;
  value: string;
  created_at: Millis;
}

/** A saved version of one approval policy file (see access/policy.store.ts). */
export interface AccessPolicyVersionsTable {
  id: string;
  name: string;
  version: number;
  text: string;
  sha256: string;
  created_by: string;
  created_at: Millis;
}

/** Access checks answered per hour (its start), decision and leading reason code, summed over nodes. */
export interface AccessCheckCountsTable {
  hour: Millis;
  decision: string;
  reason: string;
  count: number;
}

/** What the takeover defence remembers of one account, as JSON (see ato/history.ts). */
export interface AtoAccountsTable {
  account: string;
  history: string;
  updated_at: Millis;
}

/** One account's contact-discovery quota and looked-up numbers (discovery/accounts.ts). */
export interface DiscoveryAccountsTable {
  account: string;
  state: string;
  updated_at: Millis;
}

/** A leaked dump traced through its canaries; the report is its `discovery.attribution` record. */
export interface DiscoveryAttributionsTable {
  record_id: string;
  at: Millis;
  by_principal: string;
  name: string;
  bytes: number;
  parsed: number;
  canaries: number;
  explained: number;
  suspects: number;
  top_account: string | null;
  top_canaries: number;
}

/** An alert as it stands (detect/alerts.store.ts); `body` is the whole alert as JSON. */
export interface DetectAlertsTable {
  alert_id: string;
  source: string;
  rule_key: string;
  title: string;
  severity: string;
  entity: string;
  status: string;
  assignee: string | null;
  close_reason: string | null;
  first_at: Millis;
  last_at: Millis;
  count: number;
  body: string;
  updated_at: Millis;
}

/** A canary number answered "registered" to an account (discovery/canaries.ts). */
export interface DiscoveryCanaryHitsTable {
  number: string;
  account: string;
  cohort: string;
  period: number;
  at: Millis;
  check_id: string;
}

/** A contact-discovery decision other than allow, indexed for the console. */
export interface DiscoveryDecisionsTable {
  record_id: string;
  at: Millis;
  account: string;
  device: string;
  ip: string;
  decision: string;
  score: number;
  reason: string;
  numbers: number;
  allowed: number;
  caller: string;
}

/** One assessment, indexed for search; its full reasons are in its `ato.decision` ledger record. */
export interface AtoDecisionsTable {
  record_id: string;
  at: Millis;
  event_type: string;
  event_id: string | null;
  account: string | null;
  phone: string | null;
  ip: string | null;
  device: string | null;
  decision: string;
  score: number;
  reason: string;
  caller: string;
}

/** Assessments per hour, decision and leading reason, summed over nodes. */
export type AtoDecisionCountsTable = AccessCheckCountsTable;

/** A takeover the platform confirmed. */
export interface AtoTakeoversTable {
  id: string;
  account: string;
  phone: string | null;
  happened_at: Millis;
  reported_at: Millis;
  event_id: string | null;
  method: string;
  note: string | null;
  reporter: string;
}

/** A named snapshot of model state (the global feature distribution). */
export interface AtoModelStateTable {
  name: string;
  state: string;
  updated_at: Millis;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  oidc_states: OidcStatesTable;
  outbox: OutboxTable;
  ledger_entries: LedgerEntriesTable;
  ledger_records: LedgerRecordsTable;
  access_grants: AccessGrantsTable;
  access_grant_subjects: AccessGrantSubjectsTable;
  access_tickets: AccessTicketsTable;
  access_employees: AccessEmployeesTable;
  access_requests: AccessRequestsTable;
  access_approvals: AccessApprovalsTable;
  access_protected_subjects: AccessProtectedSubjectsTable;
  access_break_glass: AccessBreakGlassTable;
  access_review_campaigns: AccessReviewCampaignsTable;
  access_review_items: AccessReviewItemsTable;
  access_disclosures: AccessDisclosuresTable;
  shared_secrets: SharedSecretsTable;
  access_policy_versions: AccessPolicyVersionsTable;
  access_check_counts: AccessCheckCountsTable;
  ato_accounts: AtoAccountsTable;
  ato_decisions: AtoDecisionsTable;
  ato_decision_counts: AtoDecisionCountsTable;
  ato_takeovers: AtoTakeoversTable;
  ato_model_state: AtoModelStateTable;
  discovery_accounts: DiscoveryAccountsTable;
  discovery_canary_hits: DiscoveryCanaryHitsTable;
  discovery_decisions: DiscoveryDecisionsTable;
  discovery_decision_counts: AccessCheckCountsTable;
  discovery_attributions: DiscoveryAttributionsTable;
  detect_alerts: DetectAlertsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type OutboxRow = Selectable<OutboxTable>;
