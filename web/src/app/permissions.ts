import type { paths } from '../api/schema.js';

type SessionBody = paths['/v1/auth/session']['get']['responses'][200]['content']['application/json'];

/** A permission name as the server lists them; the console shows only what these allow. */
export type Permission = SessionBody['permissions'][number];
/** The signed-in person as `GET /v1/auth/session` describes them. */
export type SessionUser = SessionBody['user'];
export interface Session {
  user: SessionUser;
  permissions: Permission[];
}

export function allows(session: Session | null | undefined, permission: Permission | undefined): boolean {
  if (permission === undefined) return true;
  return session?.permissions.includes(permission) ?? false;
}
