import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import type { Limiter, RateLimit } from '../limits/limiter.js';
import type { Outbox } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import { identityEvent } from './events.js';
import { verifyPassword } from './passwords.js';
import type { NewSession, Sessions } from './sessions.js';
import { toUser, type User, type Users } from './users.js';

export interface ThrottleSettings {
  accountFailureLimit: number;
  ipFailureLimit: number;
  windowMs: number;
}

export interface LoginInput {
  username: string;
  password: string;
  ip: string;
  userAgent: string;
}

export type Login = ReturnType<typeof createLogin>;

// OCSF Authentication activities.
const logon = 1;

/**
 * Password sign-in with throttling by account and by client IP. Failures are counted in the
 * shared limiter, so a throttle holds across API nodes when the limiter is Redis.
 */
export function createLogin(deps: {
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  outbox: Outbox;
  users: Pick<Users, 'findForLogin'>;
  sessions: Pick<Sessions, 'create'>;
  limiter: Limiter;
  throttle: ThrottleSettings;
}) {
  const { store, clock, outbox, limiter, throttle } = deps;
  const accountLimit: RateLimit = { limit: throttle.accountFailureLimit, periodMs: throttle.windowMs };
  const ipLimit: RateLimit = { limit: throttle.ipFailureLimit, periodMs: throttle.windowMs };

  async function recordOutcome(
    input: LoginInput,
    outcome: 'succeeded' | 'failed' | 'throttled',
    userId?: string,
  ) {
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

  return {
    /** Verifies the password and opens a session; the same error for every kind of failure. */
    async login(input: LoginInput): Promise<NewSession & { user: User }> {
      const username = input.username.toLowerCase();
      const accountKey = `login:acct:${username}`;
      const ipKey = `login:ip:${input.ip}`;
      const [account, ip] = await Promise.all([
        limiter.consume(accountKey, accountLimit, 0),
        limiter.consume(ipKey, ipLimit, 0),
      ]);
      if (!account.allowed || !ip.allowed) {
        await recordOutcome(input, 'throttled');
        const retryAfterMs = Math.max(account.retryAfterMs, ip.retryAfterMs, 1000);
        throw new CustosError('auth.throttled', undefined, {
          retryAfterSeconds: Math.ceil(retryAfterMs / 1000),
        });
      }

      const row = await deps.users.findForLogin(username);
      const valid = await verifyPassword(row?.password_hash ?? null, input.password);
      if (!row || !valid || row.disabled_at !== null) {
        await Promise.all([limiter.consume(accountKey, accountLimit), limiter.consume(ipKey, ipLimit)]);
        await recordOutcome(input, 'failed', row?.id);
        throw new CustosError('auth.invalid_credentials');
      }

      await limiter.reset(accountKey);
      const created = await deps.sessions.create(row.id, { ip: input.ip, userAgent: input.userAgent });
      const now = clock.now();
      await store.db.updateTable('users').set({ last_login_at: now }).where('id', '=', row.id).execute();
      await recordOutcome(input, 'succeeded', row.id);
      return { ...created, user: toUser({ ...row, last_login_at: now }) };
    },
  };
}
