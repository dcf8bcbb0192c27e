import { z } from 'zod';
import { duration, int } from './config.fields.js';
import { roleNames } from './config.roles.js';

const oidcSchema = z
  .object({
    issuer: z.url().describe('Issuer URL of the OpenID provider (discovery is used).'),
    clientId: z.string().min(1).describe('OAuth client id registered for Custos.'),
    clientSecret: z.string().min(1).describe('OAuth client secret (masked in output).'),
    redirectUri: z.url().describe('Callback URL, ending in /v1/auth/oidc/callback.'),
    scopes: z.string().default('openid profile email').describe('Scopes requested at sign-in.'),
    usernameClaim: z.string().default('preferred_username').describe('Claim used as the username.'),
    rolesClaim: z.string().default('groups').describe('Claim holding group or role names.'),
    roleMap: z
      .record(z.string(), z.array(z.enum(roleNames)))
      .default({})
      .describe('Maps a value of the roles claim to Custos roles; users without a mapped role are refused.'),
  })
  .strict();

/** `auth`: console sessions, sign-in throttling, API keys and OIDC. */
export const authConfig = z
  .object({
    sessionTtl: duration('12h').describe('Absolute lifetime of a console session.'),
    sessionIdleTimeout: duration('1h').describe('A session unused this long expires.'),
    cookieSecure: z
      .enum(['auto', 'always', 'never'])
      .default('auto')
      .describe('Secure flag on cookies; `auto` sets it when the request came over HTTPS.'),
    accountFailureLimit: int(1, 1000)
      .default(5)
      .describe(
        'Failed password attempts per account within throttleWindow before it is throttled; attempts in flight count.',
      ),
    ipFailureLimit: int(1, 100_000)
      .default(50)
      .describe(
        'Failed password attempts per client IP within throttleWindow before it is throttled; attempts in flight count.',
      ),
    throttleWindow: duration('15m').describe(
      'Window over which failed password attempts (sign-in and password change) are counted.',
    ),
    passwordMinScore: int(2, 4)
      .default(4)
      .describe(
        'Least zxcvbn strength score (2-4) of a password a person chooses; common and breached passwords score 0-1.',
      ),
    apiKeyTouchInterval: duration('1m').describe('Least time between updates of an API key last-used time.'),
    oidc: oidcSchema.optional().describe('OpenID Connect sign-in; off when unset.'),
  })
  .strict()
  .prefault({});
