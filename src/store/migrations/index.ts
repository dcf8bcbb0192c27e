import type { Migration } from 'kysely';
import * as identityAndOutbox from './20261122001000_identity_and_outbox.js';
import * as ledger from './20261122010000_ledger.js';
import * as accessGrants from './20261122020000_access_grants.js';
import * as accessTickets from './20261122021000_access_tickets.js';
import * as accessEmployees from './20261122022000_access_employees.js';
import * as accessRequests from './20261122030000_access_requests.js';
import * as accessBreakGlass from './20261122031000_access_break_glass.js';
import * as accessReviews from './20261122032000_access_reviews.js';
import * as accessDisclosures from './20261122033000_access_disclosures.js';
import * as sharedSecrets from './20261122040000_shared_secrets.js';
import * as accessLifecycle from './20261129100000_access_lifecycle.js';
import * as passwordChangeRequired from './20261129200000_password_change_required.js';
import * as accessPolicyVersions from './20261129210000_access_policy_versions.js';
import * as accessCheckCounts from './20261129211000_access_check_counts.js';
import * as ato from './20261130000000_ato.js';
import * as atoDecisionsEventIndex from './20261130040000_ato_decisions_event_index.js';
import * as discovery from './20261130050000_discovery.js';
import * as discoveryAttributions from './20261130060000_discovery_attributions.js';
import * as detectAlerts from './20261130070000_detect_alerts.js';

/**
 * Every migration, in order. Append only: a migration that has shipped is never edited; a change
 * is a new file named with its UTC timestamp.
 */
export const migrations: Record<string, Migration> = {
  '20261122001000_identity_and_outbox': identityAndOutbox,
  '20261122010000_ledger': ledger,
  '20261122020000_access_grants': accessGrants,
  '20261122021000_access_tickets': accessTickets,
  '20261122022000_access_employees': accessEmployees,
  '20261122030000_access_requests': accessRequests,
  '20261122031000_access_break_glass': accessBreakGlass,
  '20261122032000_access_reviews': accessReviews,
  '20261122033000_access_disclosures': accessDisclosures,
  '20261122040000_shared_secrets': sharedSecrets,
  '20261129100000_access_lifecycle': accessLifecycle,
  '20261129200000_password_change_required': passwordChangeRequired,
  '20261129210000_access_policy_versions': accessPolicyVersions,
  '20261129211000_access_check_counts': accessCheckCounts,
  '20261130000000_ato': ato,
  '20261130040000_ato_decisions_event_index': atoDecisionsEventIndex,
  '20261130050000_discovery': discovery,
  '20261130060000_discovery_attributions': discoveryAttributions,
  '20261130070000_detect_alerts': detectAlerts,
};
