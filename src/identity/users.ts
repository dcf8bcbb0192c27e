import { CompiledQuery, type Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { insertAnnounced, type Outbox } from '../store/outbox.js';
import type { Database, UserRow } from '../store/schema.js';
import { isUniqueViolation, type Store } from '../store/store.js';
import { accountActivity, identityEvent } from './events.js';
import { hashPassword, maxPasswordLength, minPasswordLength } from './passwords.js';
import { assertPasswordStrength, defaultPasswordPolicy, type PasswordPolicy } from './passwords.strength.js';
import { type Role, userRoles } from './roles.js';
import { generatePassword } from './secrets.js';
import { type UserChanges, updateUser } from './users.update.js';

/**
 * `users.password_change_required`: 0 for a password the person chose; a generated (printed) one
 * is fresh until it opens a session, then used, and signs in no more.
 */
export const generatedPasswordFresh = 1;
export const generatedPasswordUsed = 2;

export const usernamePattern = /^[a-z0-9][a-z0-9._-]{1,63}$/;

/** A console user as the rest of Custos sees it: never the password hash. */
export interface User {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  createdAt: number;
  disabledAt: number | null;
  lastLoginAt: number | null;
  oidc: boolean;
  /** Signed in with a generated password: must choose their own before doing anything else. */
  passwordChangeRequired: boolean;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    roles: JSON.parse(row.roles) as Role[],
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
    lastLoginAt: row.last_login_at,
    oidc: row.oidc_subject !== null,
    passwordChangeRequired: row.password_change_required !== 0,
  };
}

export interface CreateUserInput {
  username: string;
  displayName?: string | undefined;
  roles: Role[];
  /** When absent a password is generated and returned once. */
  password?: string | undefined;
  /** Who creates the user: a user id, or `system` for init. */
  createdBy: string;
}

/** Throws `request.invalid` unless the password has an allowed length. */
export function validatePasswordLength(password: string): void {
  if (password.length < minPasswordLength || password.length > maxPasswordLength) {
    throw new CustosError(
      'request.invalid',
      `a password has ${minPasswordLength} to ${maxPasswordLength} characters`,
      { field: 'password' },
    );
  }
}

function validateRoles(roles: Role[]): void {
  if (roles.length === 0 || roles.some((role) => !(userRoles as readonly Role[]).includes(role))) {
    throw new CustosError('request.invalid', `a user needs one or more of: ${userRoles.join(', ')}`, {
      field: 'roles',
    });
  }
}

export type Users = ReturnType<typeof createUsers>;

/**
 * Work that must happen in the same transaction as disabling a person: revoking what they hold
 * and what they made (grants, pending requests, API keys). Registered by the composition root,
 * so identity knows nothing of the domains that react.
 */
export type DisableHook = (tx: Transaction<Database>, userId: string, by: string) => Promise<unknown>;

/** Console users: creation, lookup, disabling. */
export function createUsers(deps: {
  store: Pick<Store, 'db' | 'transaction' | 'dialect'>;
  clock: Clock;
  outbox: Outbox;
  /** Run inside the disabling transaction, in order (see DisableHook). */
  onDisable?: readonly DisableHook[];
  /** What a password chosen by a person must pass; the default policy when absent. */
  passwordPolicy?: PasswordPolicy;
}) {
  const { store, clock, outbox } = deps;
  const passwordPolicy = deps.passwordPolicy ?? defaultPasswordPolicy;
  // Asked on every permitting access check: the SQL is built once and only the value changes.
  const activeSql = store.db
    .selectFrom('users')
    .select('id')
    .where('id', '=', '')
    .where('disabled_at', 'is', null)
    .compile().sql;

  /** Length first (cheap, and bounds the strength check's work), then strength. */
  async function validateChosenPassword(password: string, related: string[]): Promise<void> {
    validatePasswordLength(password);
    await assertPasswordStrength(password, related, passwordPolicy);
  }

  return {
    /** Creates a user; returns the generated password when none was given (shown once). */
    async create(input: CreateUserInput): Promise<{ user: User; generatedPassword?: string }> {
      const username = input.username.toLowerCase();
      if (!usernamePattern.test(username)) {
        throw new CustosError('request.invalid', 'a username is 2-64 of a-z, 0-9, ".", "_", "-"', {
          field: 'username',
        });
      }
      validateRoles(input.roles);
      const displayName = input.displayName?.trim() || username;
      // A generated password is random and long; only one a person chose needs judging.
      if (input.password !== undefined) await validateChosenPassword(input.password, [username, displayName]);
      const generatedPassword = input.password === undefined ? generatePassword() : undefined;
      const password = input.password ?? (generatedPassword as string);
      const passwordHash = await hashPassword(password);
      const now = clock.now();
      const row: UserRow = {
        id: newId('usr', clock),
        username,
        display_name: displayName,
        roles: JSON.stringify([...new Set(input.roles)]),
        password_hash: passwordHash,
        oidc_subject: null,
        created_at: now,
        updated_at: now,
        disabled_at: null,
        last_login_at: null,
        password_change_required: generatedPassword ? generatedPasswordFresh : 0,
      };
      await insertAnnounced(
        store,
        outbox,
        { table: 'users', row },
        identityEvent(clock, {
          topic: 'identity.user.created',
          kind: 'account',
          activityId: accountActivity.create,
          message: `user ${username} created`,
          actorId: input.createdBy,
          payload: { userId: row.id, username, roles: JSON.parse(row.roles) },
        }),
      ).catch((error: unknown) => {
        if (isUniqueViolation(error))
          throw new CustosError('resource.conflict', `the username ${username} is taken`);
        throw error;
      });
      const user = toUser(row);
      return generatedPassword ? { user, generatedPassword } : { user };
    },

    async list(options: { includeDisabled?: boolean } = {}): Promise<User[]> {
      let query = store.db.selectFrom('users').selectAll().orderBy('id');
      if (!options.includeDisabled) query = query.where('disabled_at', 'is', null);
      return (await query.execute()).map(toUser);
    },

    /** One page of users in id order (creation order), after the cursor `after`. */
    async page(options: { includeDisabled?: boolean; after?: string | undefined; limit: number }) {
      let query = store.db
        .selectFrom('users')
        .selectAll()
        .orderBy('id')
        .limit(options.limit + 1);
      if (!options.includeDisabled) query = query.where('disabled_at', 'is', null);
      if (options.after) query = query.where('id', '>', options.after);
      const rows = (await query.execute()).map(toUser);
      const users = rows.slice(0, options.limit);
      return { users, nextCursor: rows.length > options.limit ? (users.at(-1)?.id ?? null) : null };
    },

    /** Changes roles or display name (see updateUser: no self-demotion, the last admin stays). */
    update(id: string, changes: UserChanges, actorId: string): Promise<User> {
      return updateUser({ store, clock, outbox }, id, changes, actorId);
    },

    async get(id: string): Promise<User> {
      const row = await store.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new CustosError('resource.not_found', 'no such user');
      return toUser(row);
    },

    /** True when the user exists and is not disabled. */
    async isActive(id: string): Promise<boolean> {
      const { rows } = await store.db.executeQuery(CompiledQuery.raw(activeSql, [id]));
      return rows.length > 0;
    },

    /** The row with its hash, for sign-in only. */
    findForLogin(username: string): Promise<UserRow | undefined> {
      return store.db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', username.toLowerCase())
        .executeTakeFirst();
    },

    /** Disables a user and ends their sessions; refuses to disable oneself or the last admin. */
    async disable(id: string, actorId: string): Promise<User> {
      if (id === actorId)
        throw new CustosError('identity.self_disable', 'you cannot disable your own account');
      return store.transaction(async (tx) => {
        const row = await tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) throw new CustosError('resource.not_found', 'no such user');
        if (row.disabled_at !== null) return toUser(row);
        const roles = JSON.parse(row.roles) as Role[];
        if (roles.includes('admin')) {
          let activeUsers = tx.selectFrom('users').select(['id', 'roles']).where('disabled_at', 'is', null);
          // Two admins disabling each other at once must not both succeed. PostgreSQL needs the
          // rows locked for that; SQLite already runs write transactions one at a time.
          if (store.dialect === 'postgres') activeUsers = activeUsers.forUpdate();
          const admins = await activeUsers.execute();
          const activeAdmins = admins.filter((a) => (JSON.parse(a.roles) as Role[]).includes('admin'));
          if (activeAdmins.length <= 1) {
            throw new CustosError('identity.last_admin', 'the last active admin cannot be disabled');
          }
        }
        const now = clock.now();
        await tx
          .updateTable('users')
          .set({ disabled_at: now, updated_at: now })
          .where('id', '=', id)
          .execute();
        await tx
          .updateTable('sessions')
          .set({ revoked_at: now })
          .where('user_id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
        for (const hook of deps.onDisable ?? []) await hook(tx, id, actorId);
        await outbox.enqueue(
          tx,
          identityEvent(clock, {
            topic: 'identity.user.disabled',
            kind: 'account',
            activityId: accountActivity.disable,
            message: `user ${row.username} disabled`,
            actorId,
            payload: { userId: id, username: row.username },
          }),
        );
        return toUser({ ...row, disabled_at: now, updated_at: now });
      });
    },

    /**
     * Takes one role from a user (an access review's revocation). Refuses to take the admin role
     * from the last active admin. Effective on the user's next request: roles are read per request.
     */
    async removeRole(id: string, role: Role, actorId: string): Promise<User> {
      return store.transaction(async (tx) => {
        const row = await tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) throw new CustosError('resource.not_found', 'no such user');
        const roles = JSON.parse(row.roles) as Role[];
        if (!roles.includes(role)) return toUser(row);
        if (role === 'admin' && row.disabled_at === null) {
          let activeUsers = tx.selectFrom('users').select(['id', 'roles']).where('disabled_at', 'is', null);
          if (store.dialect === 'postgres') activeUsers = activeUsers.forUpdate();
          const admins = (await activeUsers.execute()).filter((a) =>
            (JSON.parse(a.roles) as Role[]).includes('admin'),
          );
          if (admins.length <= 1) {
            throw new CustosError('identity.last_admin', 'the last active admin keeps the admin role');
          }
        }
        const now = clock.now();
        const remaining = roles.filter((r) => r !== role);
        await tx
          .updateTable('users')
          .set({ roles: JSON.stringify(remaining), updated_at: now })
          .where('id', '=', id)
          .execute();
        await outbox.enqueue(
          tx,
          identityEvent(clock, {
            topic: 'identity.user.role_removed',
            kind: 'account',
            activityId: accountActivity.other,
            message: `role ${role} removed from user ${row.username}`,
            actorId,
            payload: { userId: id, username: row.username, role, roles: remaining },
          }),
        );
        return toUser({ ...row, roles: JSON.stringify(remaining), updated_at: now });
      });
    },

    /**
     * Gives a user a new generated password (returned once), good for one sign-in after which they
     * must choose their own; ends all their sessions. For an administrator at the command line when
     * a person is locked out, or lost the first session opened with a printed password.
     */
    async resetPassword(id: string, by: string): Promise<string> {
      const generated = generatePassword();
      const hash = await hashPassword(generated);
      await store.transaction(async (tx) => {
        const now = clock.now();
        const result = await tx
          .updateTable('users')
          .set({ password_hash: hash, updated_at: now, password_change_required: generatedPasswordFresh })
          .where('id', '=', id)
          .where('disabled_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0)
          throw new CustosError('resource.not_found', 'no such user, or the user is disabled');
        await tx
          .updateTable('sessions')
          .set({ revoked_at: now })
          .where('user_id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
        await outbox.enqueue(
          tx,
          identityEvent(clock, {
            topic: 'identity.user.password_reset',
            kind: 'account',
            activityId: accountActivity.passwordChange,
            message: 'password reset to a generated one-time password',
            actorId: by,
            payload: { userId: id },
          }),
        );
      });
      return generated;
    },

    /** Replaces a user's password (which must pass the policy) and ends their other sessions. */
    async setPassword(id: string, password: string, keepSessionId?: string): Promise<void> {
      validatePasswordLength(password);
      const owner = await store.db
        .selectFrom('users')
        .select(['username', 'display_name'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!owner) throw new CustosError('resource.not_found', 'no such user');
      await validateChosenPassword(password, [owner.username, owner.display_name]);
      const hash = await hashPassword(password);
      await store.transaction(async (tx) => {
        const now = clock.now();
        const result = await tx
          .updateTable('users')
          .set({ password_hash: hash, updated_at: now, password_change_required: 0 })
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw new CustosError('resource.not_found', 'no such user');
        let revoke = tx
          .updateTable('sessions')
          .set({ revoked_at: now })
          .where('user_id', '=', id)
          .where('revoked_at', 'is', null);
        if (keepSessionId) revoke = revoke.where('id', '!=', keepSessionId);
        await revoke.execute();
        await outbox.enqueue(
          tx,
          identityEvent(clock, {
            topic: 'identity.user.password_changed',
            kind: 'account',
            activityId: accountActivity.passwordChange,
            message: 'password changed',
            actorId: id,
            payload: { userId: id },
          }),
        );
      });
    },

    async count(): Promise<number> {
      const row = await store.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
