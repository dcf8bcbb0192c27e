import { z } from 'zod';
import { CustosError } from './errors.js';

export const durationPattern = /^(\d+)(ms|s|m|h|d)$/;
const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses a duration such as `500ms`, `30s`, `15m`, `12h` or `7d` to milliseconds. */
export function parseDuration(text: string): number {
  const match = durationPattern.exec(text);
  if (!match)
    throw new CustosError('request.invalid', `invalid duration: ${text} (use e.g. 500ms, 30s, 15m, 12h, 7d)`);
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}

/** A duration given as milliseconds or as text such as `15m`, `12h`, `500ms`; parsed to ms. */
export function duration(defaultValue: string) {
  return z
    .union([
      z.number().int().nonnegative(),
      z.string().regex(durationPattern, 'expected a duration such as 500ms, 30s, 15m, 12h or 7d'),
    ])
    .default(defaultValue)
    .transform((value) => (typeof value === 'number' ? value : parseDuration(value)));
}

/** A duration without a default, for lists such as a resend schedule; parsed to ms. */
export const durationItem = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(durationPattern, 'expected a duration such as 500ms, 30s, 15m, 12h or 7d'),
  ])
  .transform((value) => (typeof value === 'number' ? value : parseDuration(value)));

// Digits only: Number('') is 0, so plain coercion would turn an empty variable into port 0.
export const int = (min: number, max: number) =>
  z
    .union([z.number(), z.string().regex(/^\d+$/, 'expected a whole number').transform(Number)])
    .pipe(z.number().int().min(min).max(max));
/** A decimal number such as `0.25` or `-1.5`, from a number or the text of one (variables are text). */
export const decimal = (min: number, max: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .regex(/^-?\d+(\.\d+)?$/, 'expected a decimal number')
        .transform(Number),
    ])
    .pipe(z.number().min(min).max(max));
export const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

// `whsec_` and the standard base64 (padded) of the key, as Standard Webhooks serialises secrets.
const webhookSecretPattern = /^whsec_((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)$/;

/** True for a Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 key bytes. */
export function isWebhookSecret(value: string): boolean {
  const base64 = webhookSecretPattern.exec(value)?.[1];
  if (base64 === undefined) return false;
  const bytes = Buffer.from(base64, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

/** A webhook signing secret; the message says how to make one and never quotes the value. */
export const webhookSecret = z.string().refine(isWebhookSecret, {
  error:
    'expected whsec_ and the base64 of 24 to 64 random bytes; make one with `custos webhook secret` or `echo whsec_$(openssl rand -base64 32)`',
});
