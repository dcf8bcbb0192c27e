import * as z from 'zod/mini';

// Search parameters are checked with zod's small build (zod/mini), which keeps the full library
// out of the first download; a bad value in the address reads as absent or as the default.

/** A value that may be absent; a bad one reads as absent. */
export function optional<T extends z.ZodMiniType>(schema: T) {
  return z.catch(z.optional(schema), undefined);
}

/** A string of this shape. */
export function matching(pattern: RegExp) {
  return z.string().check(z.regex(pattern));
}

/** A whole number in [min, max]. */
export function integer(min: number, max: number) {
  return z.int().check(z.minimum(min), z.maximum(max));
}

export { z };
