import { type Role, roleNames } from '../core/config.js';

export { type Role, roleNames };

/**
 * What each role may do, by permission name. Routes declare one permission; the guard allows a
 * principal holding any role that grants it. Domain issues add their permissions here. Some
 * permissions are not routes but what a domain asks of its callers: `*.read_all` sees everyone's
 * requests, grants or break-glass uses rather than one's own, `access.grants.revoke_any` revokes
 * anyone's grant, `access.reviews.fallback` may be named a fallback reviewer, `ledger.records.read`
 * sees the content of logged records (they name end users) beside their commitments.
 */
export const rolePermissions = {
  admin: [
    'session.self',
    'overview.read',
    'users.read',
    'users.write',
    'apikeys.read',
    'apikeys.write',
    'metrics.read',
    'access.catalog.read',
    'access.tickets.read',
    'access.employees.read',
    'access.employees.write',
    'access.requests.read',
    'access.requests.read_all',
    'access.grants.read',
    'access.grants.read_all',
    'access.policies.read',
    'access.policies.write',
    'access.protected.read',
    'access.protected.write',
    'access.breakglass.read',
    'access.breakglass.read_all',
    'access.reviews.manage',
    'access.reviews.read',
    'access.reviews.decide',
    'access.reviews.fallback',
    'transparency.read',
    'ledger.read',
    'ledger.records.read',
    'ato.read',
    'discovery.read',
    'discovery.attribute',
  ],
  // Security analysts: request access for incidents, decide on requests as the security approver,
  // revoke any grant, and keep the protected-subject list.
  analyst: [
    'session.self',
    'overview.read',
    'access.catalog.read',
    'access.tickets.read',
    'access.requests.create',
    'access.requests.read',
    'access.requests.read_all',
    'access.requests.decide',
    'access.grants.read',
    'access.grants.read_all',
    'access.grants.revoke',
    'access.grants.revoke_any',
    'access.policies.read',
    'access.protected.read',
    'access.protected.write',
    'access.breakglass.use',
    'access.breakglass.read',
    'access.breakglass.read_all',
    'access.breakglass.review',
    'access.reviews.manage',
    'access.reviews.read',
    'access.reviews.decide',
    'access.reviews.fallback',
    'ledger.read',
    'ato.read',
    'discovery.read',
    'discovery.attribute',
    'ato.takeovers.write',
  ],
  approver: [
    'session.self',
    'overview.read',
    'access.catalog.read',
    'access.tickets.read',
    'access.requests.read',
    'access.requests.read_all',
    'access.requests.decide',
    'access.grants.read',
    'access.grants.read_all',
    'access.grants.revoke',
    'access.policies.read',
    'access.reviews.decide',
    'access.reviews.fallback',
  ],
  // Engineers see and revoke only their own requests and grants.
  engineer: [
    'session.self',
    'overview.read',
    'access.catalog.read',
    'access.requests.create',
    'access.requests.read',
    'access.grants.read',
    'access.grants.revoke',
    'access.policies.read',
    'access.breakglass.use',
    'access.breakglass.read',
    'access.reviews.decide',
  ],
  auditor: [
    'session.self',
    'overview.read',
    'users.read',
    'apikeys.read',
    'metrics.read',
    'access.catalog.read',
    'access.tickets.read',
    'access.employees.read',
    'access.requests.read',
    'access.requests.read_all',
    'access.grants.read',
    'access.grants.read_all',
    'access.policies.read',
    'access.protected.read',
    'access.breakglass.read',
    'access.breakglass.read_all',
    'access.reviews.read',
    'transparency.read',
    'ledger.read',
    'ledger.records.read',
    'ato.read',
    'discovery.read',
  ],
  // Internal tools call the access check with a service key; no human role can, so no person
  // can mint a permit for themselves by calling the enforcement point.
  service: [
    'metrics.read',
    'access.catalog.read',
    'access.check',
    'access.tickets.read',
    'access.tickets.write',
    'access.employees.read',
    'access.employees.write',
    'access.protected.read',
    'access.protected.write',
    'transparency.read',
    'ato.assess',
    'ato.takeovers.write',
    'discovery.check',
    'events.write',
  ],
} as const satisfies Record<Role, readonly string[]>;

export type Permission = (typeof rolePermissions)[Role][number];

export const permissions: Permission[] = [...new Set(Object.values(rolePermissions).flat())];

/**
 * What a key with only the service role may do when created without scopes: ask the access check
 * and read the catalog, which is what an internal tool showing user data needs. Syncing tickets or
 * the employee directory, keeping the protected list and reading transparency listings each need
 * their scope named when the key is made.
 */
export const defaultServiceScopes: Permission[] = ['access.check', 'access.catalog.read'];

/** Roles a console user may hold; `service` belongs to API keys of platform services. */
export const userRoles = roleNames.filter((role) => role !== 'service');

/** True when one of `roles` grants `permission`. */
export function rolesAllow(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((role) => (rolePermissions[role] as readonly string[]).includes(permission));
}
