import { z } from 'zod';
import { parseDuration, roleNames } from '../core/config.js';
import { maxPasswordLength } from '../identity/passwords.js';
import { userRoles } from '../identity/roles.js';

/** Ids in paths: bounded and shaped, so nothing odd reaches a query. */
export const idParam = (prefix: string) =>
  z
    .object({
      id: z.string().regex(new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`), `expected a ${prefix}_ id`),
    })
    .strict();

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(roleNames)),
  createdAt: z.number(),
  disabledAt: z.number().nullable(),
  lastLoginAt: z.number().nullable(),
  oidc: z.boolean(),
});

export const username = z.string().min(2).max(64);
export const password = z.string().min(1).max(maxPasswordLength);
export const userRole = z
  .enum(userRoles as [string, ...string[]])
  .transform((r) => r as (typeof userRoles)[number]);

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  roles: z.array(z.enum(roleNames)),
  scopes: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  lastUsedAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});

/** A Custos user id. */
export const usrId = z.string().regex(/^usr_[0-9A-HJKMNP-TV-Z]{26}$/, 'expected a usr_ id');

/** A platform (end-user) id as the platform writes it. */
export const subjectId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:@+-]+$/, 'expected a platform user id');

/** A duration written like `30m`, `4h` or `14d`, as milliseconds, above 0 and at most `maxMs`. */
export const durationText = (maxMs: number, tooLong: string) =>
  z
    .string()
    .max(16)
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30m, 4h or 2d' });
        return z.NEVER;
      }
    })
    .refine((ms) => ms > 0 && ms <= maxMs, tooLong);
