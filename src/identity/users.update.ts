import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import type { Outbox } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import { accountActivity, identityEvent } from './events.js';
import { type Role, userRoles } from './roles.js';
import { toUser, type User } from './users.js';

export interface UserChanges {
  roles?: Role[] | undefined;
  displayName?: string | undefined;
}

/**
 * Changes a user's roles or display name. An admin cannot take the admin role from themselves
 * (another admin must), nor may the last active admin lose it; the change is an event like every
 * identity change, and applies on the user's next request (roles are read per request).
 */
export async function updateUser(
  deps: { store: Pick<Store, 'transaction' | 'dialect'>; clock: Clock; outbox: Outbox },
  id: string,
  changes: UserChanges,
  actorId: string,
): Promise<User> {
  const { store, clock, outbox } = deps;
  const displayName = changes.displayName?.trim();
  if (changes.displayName !== undefined && !displayName)
    throw new CustosError('request.invalid', 'a display name is not blank', { field: 'displayName' });
  const roles = changes.roles ? [...new Set(changes.roles)] : undefined;
  if (roles && (roles.length === 0 || roles.some((role) => !(userRoles as readonly Role[]).includes(role)))) {
    throw new CustosError('request.invalid', `a user needs one or more of: ${userRoles.join(', ')}`, {
      field: 'roles',
    });
  }
  return store.transaction(async (tx) => {
    const row = await tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new CustosError('resource.not_found', 'no such user');
    const before = JSON.parse(row.roles) as Role[];
    const losesAdmin = roles !== undefined && before.includes('admin') && !roles.includes('admin');
    if (losesAdmin && id === actorId) {
      throw new CustosError('identity.self_demotion', 'you cannot take the admin role from yourself');
    }
    if (losesAdmin && row.disabled_at === null) {
      let active = tx.selectFrom('users').select(['id', 'roles']).where('disabled_at', 'is', null);
      // As when disabling: two admins demoting each other at once must not both succeed.
      if (store.dialect === 'postgres') active = active.forUpdate();
      const admins = (await active.execute()).filter((a) =>
        (JSON.parse(a.roles) as Role[]).includes('admin'),
      );
      if (admins.length <= 1)
        throw new CustosError('identity.last_admin', 'the last active admin keeps the admin role');
    }
    const now = clock.now();
    const next = {
      roles: roles ? JSON.stringify(roles) : row.roles,
      display_name: displayName ?? row.display_name,
      updated_at: now,
    };
    if (next.roles === row.roles && next.display_name === row.display_name) return toUser(row);
    await tx.updateTable('users').set(next).where('id', '=', id).execute();
    await outbox.enqueue(
      tx,
      identityEvent(clock, {
        topic: 'identity.user.updated',
        kind: 'account',
        activityId: accountActivity.other,
        message: `user ${row.username} changed`,
        actorId,
        payload: {
          userId: id,
          username: row.username,
          ...(roles ? { rolesBefore: before, roles } : {}),
          ...(next.display_name !== row.display_name ? { displayNameChanged: true } : {}),
        },
      }),
    );
    return toUser({ ...row, ...next });
  });
}
