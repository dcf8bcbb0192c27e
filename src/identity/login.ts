import type { Clock } from '../core/clock.js';
import { CustosError, isCustosError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Limiter } from '../limits/limiter.js';
import type { Outbox } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import { createPasswordAttempts, type ThrottleSettings } from './attempts.js';
import { accountActivity, identityEvent } from './events.js';
import { verifyPassword } from './passwords.js';
import type { NewSession, Sessions } from './sessions.js';
import { generatedPasswordFresh, generatedPasswordUsed, toUser, type User, type Users } from './users.js';

export type { ThrottleSettings };

export interface LoginInput {
  username: string;
  password: string;
  ip: string;
  userAgent: string;
}

export interface ChangePasswordInput {
  userId: string;
  currentPassword: string;
  newPassword: string;
  ip: string;
  /** The session the change is made from, which stays open; every other session ends. */
  keepSessionId?: string | undefined;
}

export type Login = ReturnType<typeof createLogin>;

// OCSF Authentication activities.
const logon = 1;

type Outcome = 'succeeded' | 'failed' | 'throttled';

/**
 * Everything that checks a console user's password: sign-in and password change. Both go
 * through one throttle by account and by client IP (see attempts.ts), which reserves the attempt
 * before the password is verified, so neither parallel guesses nor a stolen session can brute
 * force a password past it.
 */
export function createLogin(deps: {
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  outbox: Outbox;
  users: Pick<Users, 'findForLogin' | 'get' | 'setPassword'>;
  sessions: Pick<Sessions, 'create'>;
  limiter: Limiter;
  throttle: ThrottleSettings;
  logger: Logger;
}) {
  const { store, clock, outbox } = deps;
  const corrupt = (userId: string | undefined) => (error: unknown) =>
    deps.logger.error(
      { err: error, userId },
      'a stored password hash cannot be read; the attempt was refused',
    );
  const attempts = createPasswordAttempts({ limiter: deps.limiter, throttle: deps.throttle });

  async function recordLogin(input: LoginInput, outcome: Outcome, userId?: string) {
    await store.transaction((tx) =>
      outbox.enqueue(
        tx,
        identityEvent(clock, {
          topic: `identity.login.${outcome}`,
          kind: 'authentication',
          activityId: logon,
          severityId: outcome === 'succeeded' ? 1 : 3,
          message: `console sign-in ${outcome}`,
          actorId: userId,
          payload: { username: input.username.toLowerCase().slice(0, 64), ip: input.ip, outcome },
        }),
      ),
    );
  }

  // A successful change is recorded by users.setPassword; these are the refused ones, which
  // on a live session may mean someone else holds it.
  async function recordRefusedChange(user: User, ip: string, outcome: Exclude<Outcome, 'succeeded'>) {
    await store.transaction((tx) =>
      outbox.enqueue(
        tx,
        identityEvent(clock, {
          topic: `identity.password_change.${outcome}`,
          kind: 'account',
          activityId: accountActivity.passwordChange,
          severityId: 3,
          message: `password change ${outcome}: the current password was ${outcome === 'failed' ? 'wrong' : 'not checked'}`,
          actorId: user.id,
          payload: { userId: user.id, username: user.username, ip, outcome },
        }),
      ),
    );
  }

  /** Reserves an attempt, recording a refusal by the throttle before passing it on. */
  async function reserve(username: string, ip: string, onThrottled: () => Promise<void>) {
    try {
      return await attempts.reserve(username, ip);
    } catch (error) {
      if (isCustosError(error, 'auth.throttled')) await onThrottled();
      throw error;
    }
  }

  return {
    /** Verifies the password and opens a session; the same error for every kind of failure. */
    async login(input: LoginInput): Promise<NewSession & { user: User }> {
      const username = input.username.toLowerCase();
      const attempt = await reserve(username, input.ip, () => recordLogin(input, 'throttled'));
      const row = await deps.users.findForLogin(username);
      const valid = await verifyPassword(row?.password_hash ?? null, input.password, corrupt(row?.id));
      if (!row || !valid || row.disabled_at !== null) {
        await recordLogin(input, 'failed', row?.id);
        throw new CustosError('auth.invalid_credentials');
      }

      // A generated password opens one session only (it was printed, so it may be in a terminal's
      // scrollback or a log): claimed atomically, so two sign-ins racing with it get one session.
      if (row.password_change_required !== 0) {
        const claimed = await store.db
          .updateTable('users')
          .set({ password_change_required: generatedPasswordUsed })
          .where('id', '=', row.id)
          .where('password_change_required', '=', generatedPasswordFresh)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) {
          await recordLogin(input, 'failed', row.id);
          throw new CustosError('auth.invalid_credentials');
        }
      }
      await attempt.succeeded();
      const created = await deps.sessions.create(row.id, { ip: input.ip, userAgent: input.userAgent });
      const now = clock.now();
      await store.db.updateTable('users').set({ last_login_at: now }).where('id', '=', row.id).execute();
      await recordLogin(input, 'succeeded', row.id);
      return { ...created, user: toUser({ ...row, last_login_at: now }) };
    },

    /**
     * Changes a user's own password after checking the current one under the sign-in throttle;
     * the new password must pass the password policy. Ends the user's other sessions.
     */
    async changePassword(input: ChangePasswordInput): Promise<void> {
      const user = await deps.users.get(input.userId);
      const attempt = await reserve(user.username, input.ip, () =>
        recordRefusedChange(user, input.ip, 'throttled'),
      );
      const row = await deps.users.findForLogin(user.username);
      if (!(await verifyPassword(row?.password_hash ?? null, input.currentPassword, corrupt(row?.id)))) {
        await recordRefusedChange(user, input.ip, 'failed');
        throw new CustosError('auth.invalid_credentials', 'the current password is wrong');
      }
      await attempt.succeeded();
      await deps.users.setPassword(user.id, input.newPassword, input.keepSessionId);
    },
  };
}
