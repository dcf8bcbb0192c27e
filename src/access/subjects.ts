/**
 * Platform user ids in one normal form, so that the protected list, tickets, grants, checks and
 * the self, colleague and manager rules all compare the same way. With case-insensitive ids
 * (the default) `User-50` and `user-50` are one user: otherwise a protected user could be reached,
 * or one's own account looked up, by changing the case of an id. Ids are ASCII by the API's
 * schema, so lowercasing needs no Unicode folding.
 */
export type SubjectIdCase = 'insensitive' | 'sensitive';

export interface SubjectIds {
  /** The normal form of one id. */
  normal(id: string): string;
  /** The normal forms of several, deduplicated in order. */
  normalAll(ids: readonly string[]): string[];
}

export function createSubjectIds(idCase: SubjectIdCase): SubjectIds {
  const normal = idCase === 'insensitive' ? (id: string) => id.toLowerCase() : (id: string) => id;
  return {
    normal,
    normalAll: (ids) => [...new Set(ids.map(normal))],
  };
}
