import * as client from 'openid-client';
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Outbox } from '../store/outbox.js';
import type { UserRow } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { accountActivity, identityEvent } from './events.js';
import type { Role } from './roles.js';
import { hashToken } from './secrets.js';
import type { NewSession, Sessions } from './sessions.js';
import { usernamePattern } from './users.js';

type OidcSettings = NonNullable<Config['auth']['oidc']>;

export interface Oidc {
  redirectUri: string;
  /** Returns the provider URL to send the browser to; remembers state, nonce and PKCE verifier. */
  start(): Promise<string>;
  /** Finishes the code flow from the callback URL and opens a session for the mapped user. */
  complete(callbackUrl: URL, clientInfo: { ip: string; userAgent: string }): Promise<NewSession>;
}

const stateLifetimeMs = 10 * 60_000;

function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Maps the provider's role claim to Custos roles through the configured table. */
export function mapRoles(claim: unknown, roleMap: Record<string, Role[]>): Role[] {
  const values = Array.isArray(claim) ? claim : typeof claim === 'string' ? [claim] : [];
  const roles = values.flatMap((value) => (typeof value === 'string' ? (roleMap[value] ?? []) : []));
  return [...new Set(roles)].filter((role) => role !== 'service');
}

/** OpenID Connect sign-in (authorization code with PKCE) through openid-client. */
export function createOidc(deps: {
  settings: OidcSettings;
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  logger: Logger;
  outbox: Outbox;
  sessions: Pick<Sessions, 'create'>;
}): Oidc {
  const { settings, store, clock, outbox } = deps;
  let configuration: Promise<client.Configuration> | undefined;

  function discover(): Promise<client.Configuration> {
    if (!configuration) {
      const issuer = new URL(settings.issuer);
      // openid-client trusts TLS alone for an id_token from the token endpoint and skips its
      // signature; we check it against the provider's JWKS as well, so a forged token is refused.
      const execute = [client.enableNonRepudiationChecks];
      // Plain HTTP is accepted only for a provider on this machine (a local development IdP).
      if (issuer.protocol === 'http:' && isLoopback(issuer)) execute.push(client.allowInsecureRequests);
      const options = { execute };
      configuration = client.discovery(issuer, settings.clientId, settings.clientSecret, undefined, options);
      configuration.catch(() => {
        configuration = undefined;
      });
    }
    return configuration;
  }

  async function provision(claims: Record<string, unknown>): Promise<UserRow> {
    const subject = `${settings.issuer}#${String(claims.sub)}`;
    const roles = mapRoles(claims[settings.rolesClaim], settings.roleMap);
    if (roles.length === 0)
      throw new CustosError('auth.oidc_failed', 'your identity provider groups map to no role');
    const now = clock.now();
    return store.transaction(async (tx) => {
      const existing = await tx
        .selectFrom('users')
        .selectAll()
        .where('oidc_subject', '=', subject)
        .executeTakeFirst();
      if (existing) {
        if (existing.disabled_at !== null)
          throw new CustosError('auth.oidc_failed', 'this account is disabled');
        const update = { roles: JSON.stringify(roles), updated_at: now, last_login_at: now };
        await tx.updateTable('users').set(update).where('id', '=', existing.id).execute();
        return { ...existing, ...update };
      }
      const username = String(claims[settings.usernameClaim] ?? '').toLowerCase();
      if (!usernamePattern.test(username))
        throw new CustosError('auth.oidc_failed', 'the username claim is not usable');
      const taken = await tx
        .selectFrom('users')
        .select('id')
        .where('username', '=', username)
        .executeTakeFirst();
      // Never attach a provider identity to an existing password account: that would let
      // whoever controls the provider's username take the account over.
      if (taken) throw new CustosError('auth.oidc_failed', 'the username belongs to a local account');
      const row: UserRow = {
        id: newId('usr', clock),
        username,
        display_name: typeof claims.name === 'string' ? claims.name.slice(0, 128) : username,
        roles: JSON.stringify(roles),
        password_hash: null,
        oidc_subject: subject,
        created_at: now,
        updated_at: now,
        disabled_at: null,
        last_login_at: now,
        password_change_required: 0,
      };
      await tx.insertInto('users').values(row).execute();
      await outbox.enqueue(
        tx,
        identityEvent(clock, {
          topic: 'identity.user.created',
          kind: 'account',
          activityId: accountActivity.create,
          message: `user ${username} created by OIDC sign-in`,
          actorId: 'oidc',
          payload: { userId: row.id, username, roles },
        }),
      );
      return row;
    });
  }

  return {
    redirectUri: settings.redirectUri,
    async start() {
      const config = await discover();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const verifier = client.randomPKCECodeVerifier();
      const now = clock.now();
      await store.db.deleteFrom('oidc_states').where('expires_at', '<', now).execute();
      await store.db
        .insertInto('oidc_states')
        .values({
          state_hash: hashToken(state),
          code_verifier: verifier,
          nonce,
          created_at: now,
          expires_at: now + stateLifetimeMs,
        })
        .execute();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: settings.scopes,
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      return url.href;
    },
    async complete(callbackUrl, clientInfo) {
      const state = callbackUrl.searchParams.get('state') ?? '';
      // One use per state: deleting it first makes a replayed callback fail.
      const saved = await store.db
        .deleteFrom('oidc_states')
        .where('state_hash', '=', hashToken(state))
        .returningAll()
        .executeTakeFirst();
      if (!saved || saved.expires_at < clock.now())
        throw new CustosError('auth.oidc_failed', 'unknown or expired sign-in state');
      let claims: Record<string, unknown>;
      try {
        const tokens = await client.authorizationCodeGrant(await discover(), callbackUrl, {
          pkceCodeVerifier: saved.code_verifier,
          expectedState: state,
          expectedNonce: saved.nonce,
          idTokenExpected: true,
        });
        claims = (tokens.claims() ?? {}) as Record<string, unknown>;
      } catch (error) {
        deps.logger.warn({ err: error }, 'OIDC code exchange failed');
        throw new CustosError('auth.oidc_failed');
      }
      const user = await provision(claims);
      return deps.sessions.create(user.id, clientInfo);
    },
  };
}
