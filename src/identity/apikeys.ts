import type { Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { insertAnnounced, type Outbox } from '../store/outbox.js';
import type { ApiKeyRow, Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { accountActivity, identityEvent } from './events.js';
import { defaultServiceScopes, type Permission, permissions, type Role, roleNames } from './roles.js';
import { hashToken, randomToken, tokenMatches } from './secrets.js';

/** `ck_` + the key id's 26 characters + `_` + 43 characters of secret (256 bits, base64url). */
const tokenPattern = /^ck_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{43})$/;

/** An API key as listed: never its secret or hash. */
export interface ApiKey {
  id: string;
  name: string;
  /** First characters of the token, to recognise a key in a list. */
  prefix: string;
  roles: Role[];
  scopes: string[];
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: `ck_${row.id.slice(4)}_…`,
    roles: JSON.parse(row.roles) as Role[],
    scopes: JSON.parse(row.scopes) as string[],
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export interface CreateApiKeyInput {
  name: string;
  roles?: Role[] | undefined;
  /** Permissions the key may use, or `*` for all its roles allow. */
  scopes?: string[] | undefined;
  expiresAt?: number | undefined;
  createdBy: string;
}

// A key meant to expire is meant to expire in a lifetime someone will still remember.
const maxKeyLifetimeMs = 5 * 366 * 86_400_000;

/** True when a key with these scopes may use `permission` (its roles are checked separately). */
export function scopeAllows(scopes: readonly string[], permission: Permission): boolean {
  return scopes.includes('*') || scopes.includes(permission);
}

export type ApiKeys = ReturnType<typeof createApiKeys>;

/** API keys for platform services: shown once, stored hashed, scoped, revocable. */
export function createApiKeys(deps: {
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  outbox: Outbox;
  touchIntervalMs: number;
}) {
  const { store, clock, outbox } = deps;

  /** `identity.apikey.revoked`, with why when it was not a person's own choice. */
  function revokedEvent(
    key: { id: string; name: string },
    by: string,
    why?: { reason: string; createdBy: string },
  ) {
    return identityEvent(clock, {
      topic: 'identity.apikey.revoked',
      kind: 'account',
      activityId: accountActivity.disable,
      message: `API key ${key.name} revoked${why ? ': its creator was disabled' : ''}`,
      actorId: by,
      payload: { apiKeyId: key.id, name: key.name, ...why },
    });
  }

  return {
    /** Creates a key; the returned token is the only time the secret is ever shown. */
    async create(input: CreateApiKeyInput): Promise<{ apiKey: ApiKey; token: string }> {
      const roles = [...new Set(input.roles ?? (['service'] as Role[]))];
      // A service key does by default only what a platform service needs; anything else (syncing
      // tickets or the directory, keeping the protected list, reading transparency) is given by
      // naming its scope, so a key leaked from an internal tool cannot rewrite the registries.
      const onlyService = roles.length === 1 && roles[0] === 'service';
      const scopes = [...new Set(input.scopes ?? (onlyService ? defaultServiceScopes : ['*']))];
      if (roles.length === 0 || roles.some((role) => !roleNames.includes(role))) {
        throw new CustosError('request.invalid', `roles must be among: ${roleNames.join(', ')}`, {
          field: 'roles',
        });
      }
      const unknown = scopes.filter((s) => s !== '*' && !(permissions as string[]).includes(s));
      if (unknown.length) {
        throw new CustosError('request.invalid', `unknown scopes: ${unknown.join(', ')}`, {
          field: 'scopes',
        });
      }
      const now = clock.now();
      if (
        input.expiresAt !== undefined &&
        (input.expiresAt <= now || input.expiresAt > now + maxKeyLifetimeMs)
      ) {
        throw new CustosError('request.invalid', 'expiresAt must be in the future and within 5 years', {
          field: 'expiresAt',
        });
      }
      const id = newId('key', clock);
      const secret = randomToken(32);
      const token = `ck_${id.slice(4)}_${secret}`;
      const row: ApiKeyRow = {
        id,
        name: input.name,
        secret_hash: hashToken(secret),
        roles: JSON.stringify(roles),
        scopes: JSON.stringify(scopes),
        created_by: input.createdBy,
        created_at: now,
        expires_at: input.expiresAt ?? null,
        last_used_at: null,
        revoked_at: null,
      };
      await insertAnnounced(
        store,
        outbox,
        { table: 'api_keys', row },
        identityEvent(clock, {
          topic: 'identity.apikey.created',
          kind: 'account',
          activityId: accountActivity.create,
          message: `API key ${input.name} created`,
          actorId: input.createdBy,
          payload: { apiKeyId: id, name: input.name, roles, scopes },
        }),
      );
      return { apiKey: toApiKey(row), token };
    },

    async list(options: { includeRevoked?: boolean } = {}): Promise<ApiKey[]> {
      let query = store.db.selectFrom('api_keys').selectAll().orderBy('id');
      if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
      return (await query.execute()).map(toApiKey);
    },

    async revoke(id: string, actorId: string): Promise<ApiKey> {
      return store.transaction(async (tx) => {
        const row = await tx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) throw new CustosError('resource.not_found', 'no such API key');
        if (row.revoked_at !== null) return toApiKey(row);
        const now = clock.now();
        await tx.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).execute();
        await outbox.enqueue(tx, revokedEvent({ id, name: row.name }, actorId));
        return toApiKey({ ...row, revoked_at: now });
      });
    },

    /**
     * Revokes, inside the caller's transaction, every live key a person created: a key outlives
     * nobody who made it, so a departed admin's copies of their tokens stop working with them.
     */
    async revokeCreatedBy(tx: Transaction<Database>, userId: string, by: string): Promise<string[]> {
      const now = clock.now();
      const revoked = await tx
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('created_by', '=', userId)
        .where('revoked_at', 'is', null)
        .returning(['id', 'name'])
        .execute();
      for (const key of revoked) {
        await outbox.enqueue(tx, revokedEvent(key, by, { reason: 'creator_disabled', createdBy: userId }));
      }
      return revoked.map((k) => k.id);
    },

    /** Resolves a presented token to its live key; anything else is `auth.invalid_credentials`. */
    async authenticate(token: string): Promise<ApiKey> {
      const match = tokenPattern.exec(token);
      if (!match) throw new CustosError('auth.invalid_credentials');
      const row = await store.db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', `key_${match[1]}`)
        .executeTakeFirst();
      const now = clock.now();
      // One failure code for unknown, wrong, revoked and expired keys: a caller learns nothing.
      if (!row || !tokenMatches(match[2] as string, row.secret_hash))
        throw new CustosError('auth.invalid_credentials');
      if (row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) {
        throw new CustosError('auth.invalid_credentials');
      }
      if (row.last_used_at === null || now - row.last_used_at >= deps.touchIntervalMs) {
        await store.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
        row.last_used_at = now;
      }
      return toApiKey(row);
    },
  };
}
