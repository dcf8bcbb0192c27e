// Hand-typed against the route schemas in src/api (schemas.ts and routes/*.ts); the SDK imports
// nothing server-side at runtime, and test/sdk/boundary.test.ts fails the type check if they drift.

/** Every role of Custos; `service` belongs to API keys of platform services. */
export type Role = 'admin' | 'analyst' | 'approver' | 'engineer' | 'auditor' | 'service';

/** Roles a console user may hold. */
export type UserRole = Exclude<Role, 'service'>;

/** A console user; never its password hash. Times are epoch milliseconds. */
export interface User {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  createdAt: number;
  disabledAt: number | null;
  lastLoginAt: number | null;
  oidc: boolean;
  /** Signed in with a generated password: must choose a new one before anything else. */
  passwordChangeRequired: boolean;
}

export interface ListUsersInput {
  /** Include disabled users; by default only active ones are listed. */
  includeDisabled?: boolean;
}

export interface CreateUserInput {
  /** 2 to 64 characters; `[a-z0-9][a-z0-9._-]+`. */
  username: string;
  roles: UserRole[];
  displayName?: string;
  /** When absent the server generates one and returns it once as `generatedPassword`. */
  password?: string;
}

export interface CreatedUser {
  user: User;
  /** Present only when no password was given: shown this once, never again. */
  generatedPassword?: string;
}

/** An API key as listed: never its secret. Times are epoch milliseconds. */
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

export interface ListApiKeysInput {
  /** Include revoked keys; by default only live ones are listed. */
  includeRevoked?: boolean;
}

export interface CreateApiKeyInput {
  name: string;
  /** Defaults to `['service']` on the server. */
  roles?: Role[];
  /** Permissions the key may use, or `['*']` (the default) for all its roles allow. */
  scopes?: string[];
  /** Epoch milliseconds; must be in the future. */
  expiresAt?: number;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The `ck_…` secret: shown this once, store it now. */
  token: string;
}

export interface HealthStatus {
  status: 'ok';
}

export interface ReadyStatus {
  status: 'ready';
}
