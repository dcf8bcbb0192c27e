import { type Role, roleNames } from '../core/config.js';

export { type Role, roleNames };

/**
 * What each role may do, by permission name. Routes declare one permission; the guard allows a
 * principal holding any role that grants it. Domain issues add their permissions here.
 */
export const rolePermissions = {
  admin: ['session.self', 'users.read', 'users.write', 'apikeys.read', 'apikeys.write', 'metrics.read'],
  analyst: ['session.self'],
  approver: ['session.self'],
  engineer: ['session.self'],
  auditor: ['session.self', 'users.read', 'apikeys.read', 'metrics.read'],
  service: ['metrics.read'],
} as const satisfies Record<Role, readonly string[]>;

export type Permission = (typeof rolePermissions)[Role][number];

export const permissions: Permission[] = [...new Set(Object.values(rolePermissions).flat())];

/** Roles a console user may hold; `service` belongs to API keys of platform services. */
export const userRoles = roleNames.filter((role) => role !== 'service');

/** True when one of `roles` grants `permission`. */
export function rolesAllow(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((role) => (rolePermissions[role] as readonly string[]).includes(permission));
}
