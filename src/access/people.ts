import type { Role } from '../core/config.js';

/** Who is acting: a Custos user and the roles they hold now. */
export interface Person {
  id: string;
  roles: readonly string[];
}

/**
 * What access needs to know of Custos's own users and API keys. The identity module answers
 * through an adapter that `app.ts` hands in: access never imports identity (domains never import
 * each other).
 */
export interface People {
  /** The roles a Custos user holds now; none for a disabled or unknown user. */
  rolesOf(userId: string): Promise<Role[]>;
  /** True when the user exists and is not disabled; on every permitting access check, so cheap. */
  isActive(userId: string): Promise<boolean>;
  /** True when one of these roles grants the permission (identity's role table). */
  allows(roles: readonly string[], permission: string): boolean;
  /** An enabled user by username, for trackers that name assignees by username. */
  findActiveByUsername(username: string): Promise<{ id: string } | undefined>;
  /** Every enabled user, for review campaigns over standing roles. */
  list(): Promise<{ id: string; username: string; roles: Role[]; disabledAt: number | null }[]>;
  get(id: string): Promise<{ id: string; username: string; roles: Role[]; disabledAt: number | null }>;
  /** Takes one role away (an access review's revocation). */
  removeRole(id: string, role: Role, actorId: string): Promise<unknown>;
  /** Live API keys, for review campaigns. */
  listApiKeys(): Promise<{ id: string; name: string; roles: Role[]; createdBy: string }[]>;
  revokeApiKey(id: string, actorId: string): Promise<unknown>;
}
