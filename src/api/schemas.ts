import { z } from 'zod';
import { parseDuration, roleNames } from '../core/config.js';
import { CustosError } from '../core/errors.js';
import { type IdPrefix, idSchema } from '../core/ids.js';
import { maxPasswordLength } from '../identity/passwords.js';
import { userRoles } from '../identity/roles.js';
import type { Principal } from './auth.js';

// Shapes that several routes files share: one definition each, so a rule changes in one place.

/** Ids in paths: bounded and shaped, so nothing odd reaches a query. */
export const idParam = (prefix: IdPrefix) => z.object({ id: idSchema(prefix) }).strict();

/** A Custos user id. */
export const usrId = idSchema('usr');

/** A platform (end-user) id as the platform writes it; compared in its normal form (access.subjectIdCase). */
export const subjectId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:@+-]+$/, 'expected a platform user id')
  .describe('A platform user id: 1-128 of A-Z a-z 0-9 _ . : @ + -');

/** A ticket id as the support or abuse system writes it. */
export const ticketId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'expected a ticket id')
  .describe('A ticket id: 1-64 of A-Z a-z 0-9 . _ : - , starting with a letter or digit');

/** A field class name from the data catalog. */
export const fieldClass = z
  .string()
  .min(1)
  .max(64)
  .describe('A field class of the data catalog, e.g. identity.phone');

/** A true/false query flag; absent is false. */
export const flag = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => v === 'true');

/** Milliseconds since the Unix epoch, within what a JavaScript Date can hold. */
export const epochMs = z
  .number()
  .int()
  .min(0)
  .max(8_640_000_000_000_000)
  .describe('Milliseconds since the Unix epoch.');

/** Printable ASCII without spaces (ids the platform mints: devices, events). */
export const printableToken = (max: number, what: string) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x21-\x7e]+$/, `expected printable ASCII without spaces for ${what}`);

/**
 * The cursor of a page ordered by (time, id) descending: the last row's time and id, base64url,
 * opaque to clients and free of personal data. `parse` refuses anything this server did not give.
 */
export function timeIdCursor(prefix: IdPrefix) {
  const idShape = new RegExp(`^${prefix}_[0-9A-Z]{26}$`);
  return {
    text: (at: number, id: string): string => Buffer.from(`${at}.${id}`).toString('base64url'),
    parse(text: string): { at: number; id: string } {
      const [at, id] = Buffer.from(text, 'base64url').toString('utf8').split('.');
      if (!at || !id || !/^\d+$/.test(at) || !idShape.test(id)) {
        throw new CustosError('request.invalid', 'the cursor is not one this server gave');
      }
      return { at: Number(at), id };
    },
  };
}

/** A page size in a query string. */
export const limit = (max: number) => z.coerce.number().int().min(1).max(max).optional();

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(roleNames)),
  createdAt: z.number(),
  disabledAt: z.number().nullable(),
  lastLoginAt: z.number().nullable(),
  oidc: z.boolean(),
  passwordChangeRequired: z
    .boolean()
    .describe('Signed in with a generated password: must choose a new one before anything else.'),
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

/** The acting person as the domains take it: who, and the roles they hold now. */
export function personOf(principal: Principal): { id: string; roles: readonly string[] } {
  return { id: principal.id, roles: principal.roles };
}
