import { CustosError } from '../core/errors.js';
import type { Catalog, Tier } from './catalog.js';

export const operations = ['read', 'export'] as const;
export type Operation = (typeof operations)[number];

export const purposes = [
  'support',
  'abuse_investigation',
  'legal_request',
  'security_incident',
  'debugging',
] as const;
export type Purpose = (typeof purposes)[number];

/** Most subjects one grant may name: access is to listed people, never to "everyone". */
export const maxSubjectsPerGrant = 100;

/** Longest grant per sensitivity tier of the most sensitive field it covers. */
export const maxDurationByTier: Record<Tier, number> = {
  1: 7 * 86_400_000,
  2: 3 * 86_400_000,
  3: 86_400_000,
};

/** A scope checked against the catalog and the caps, with its highest sensitivity tier. */
export interface Scope {
  subjects: string[];
  fields: string[];
  operations: Operation[];
  tier: Tier;
}

/**
 * Checks what a grant or a request would cover: 1 to 100 distinct subjects, known field
 * classes, known operations, and a duration within its tier's cap. Subjects must already be in
 * their normal form (see subjects.ts).
 */
export function checkScope(
  catalog: Catalog,
  input: {
    subjects: readonly string[];
    fields: readonly string[];
    operations: readonly string[];
    durationMs: number;
  },
): Scope {
  const subjects = [...new Set(input.subjects)];
  if (subjects.length === 0 || subjects.length > maxSubjectsPerGrant) {
    throw new CustosError('access.scope_invalid', `a grant names 1 to ${maxSubjectsPerGrant} subjects`);
  }
  const fields = catalog.resolve(input.fields);
  if (fields.length === 0)
    throw new CustosError('access.scope_invalid', 'a grant covers at least one field class');
  const ops = [...new Set(input.operations)];
  if (ops.length === 0 || ops.some((op) => !(operations as readonly string[]).includes(op))) {
    throw new CustosError('access.scope_invalid', `operations are among: ${operations.join(', ')}`);
  }
  const tier = Math.max(...fields.map((f) => f.tier)) as Tier;
  if (!(input.durationMs > 0) || input.durationMs > maxDurationByTier[tier]) {
    throw new CustosError(
      'access.scope_invalid',
      `a tier ${tier} grant lasts at most ${maxDurationByTier[tier] / 3_600_000} h`,
    );
  }
  return { subjects, fields: fields.map((f) => f.name), operations: ops as Operation[], tier };
}
