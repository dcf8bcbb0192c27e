import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { SessionRow } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { hashToken, randomToken, tokenMatches } from './secrets.js';
import { toUser, type User } from './users.js';

export interface SessionSettings {
  ttlMs: number;
  idleTimeoutMs: number;
}

export interface NewSession {
  /** Goes into the HTTP-only cookie; only its hash is stored. */
  token: string;
  /** Returned to the console, sent back in `x-csrf-token` on every state-changing request. */
  csrfToken: string;
  session: SessionRow;
}

export interface AuthenticatedSession {
  session: SessionRow;
  user: User;
}

export type Sessions = ReturnType<typeof createSessions>;

// Writing last_seen_at on every request would turn reads into writes; a minute is precise
// enough for an idle timeout measured in tens of minutes.
const touchIntervalMs = 60_000;

/** Console sessions: opaque tokens in cookies, absolute and idle expiry, CSRF tokens bound to the session. */
export function createSessions(deps: { store: Pick<Store, 'db'>; clock: Clock; settings: SessionSettings }) {
  const { store, clock, settings } = deps;

  return {
    async create(userId: string, client: { ip: string; userAgent: string }): Promise<NewSession> {
      const token = randomToken();
      const csrfToken = randomToken();
      const now = clock.now();
      const session: SessionRow = {
        id: newId('ses', clock),
        token_hash: hashToken(token),
        csrf_hash: hashToken(csrfToken),
        user_id: userId,
        created_at: now,
        last_seen_at: now,
        expires_at: now + settings.ttlMs,
        revoked_at: null,
        ip: client.ip.slice(0, 64),
        user_agent: client.userAgent.slice(0, 256),
      };
      await store.db.insertInto('sessions').values(session).execute();
      return { token, csrfToken, session };
    },

    /**
     * Resolves a cookie token to its live session and user. An unknown token is `auth.required`;
     * a known but expired, revoked or disabled one is `auth.session_expired`.
     */
    async authenticate(token: string): Promise<AuthenticatedSession> {
      if (token.length > 128) throw new CustosError('auth.required');
      const session = await store.db
        .selectFrom('sessions')
        .selectAll()
        .where('token_hash', '=', hashToken(token))
        .executeTakeFirst();
      if (!session || !tokenMatches(token, session.token_hash)) throw new CustosError('auth.required');
      const userRow = await store.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', session.user_id)
        .executeTakeFirstOrThrow();
      const now = clock.now();
      const idle = now - session.last_seen_at > settings.idleTimeoutMs;
      if (session.revoked_at !== null || session.expires_at <= now || idle || userRow.disabled_at !== null) {
        throw new CustosError('auth.session_expired');
      }
      if (now - session.last_seen_at >= touchIntervalMs) {
        await store.db
          .updateTable('sessions')
          .set({ last_seen_at: now })
          .where('id', '=', session.id)
          .execute();
      }
      const user = toUser(userRow);
      return { session, user };
    },

    /** True when `csrfToken` is the one issued with this session (constant-time). */
    csrfMatches(session: SessionRow, csrfToken: string | undefined): boolean {
      return (
        typeof csrfToken === 'string' && csrfToken.length <= 128 && tokenMatches(csrfToken, session.csrf_hash)
      );
    },

    async revoke(sessionId: string): Promise<void> {
      await store.db
        .updateTable('sessions')
        .set({ revoked_at: clock.now() })
        .where('id', '=', sessionId)
        .where('revoked_at', 'is', null)
        .execute();
    },

    /** Deletes sessions that ended more than a day ago; returns how many. */
    async prune(): Promise<number> {
      const cutoff = clock.now() - 86_400_000;
      const result = await store.db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<', cutoff), eb('revoked_at', '<', cutoff)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
