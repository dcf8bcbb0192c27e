import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import type { SubjectIds } from './subjects.js';

export const protectedCategories = ['public_figure', 'journalist', 'executive', 'at_risk', 'other'] as const;
export type ProtectedCategory = (typeof protectedCategories)[number];

export interface ProtectedSubject {
  subjectId: string;
  category: ProtectedCategory;
  addedBy: string;
  createdAt: number;
}

export type ProtectedSubjects = ReturnType<typeof createProtectedSubjects>;

/**
 * The platform's list of users whose data needs stronger approval: public figures, journalists,
 * executives, people at risk. The list itself is sensitive, so only admins, security analysts,
 * auditors and services read it.
 */
export function createProtectedSubjects(deps: {
  store: Pick<Store, 'db'>;
  clock: Clock;
  subjectIds: SubjectIds;
}) {
  const { store, clock, subjectIds } = deps;

  return {
    async put(given: string, category: ProtectedCategory, addedBy: string): Promise<ProtectedSubject> {
      const subjectId = subjectIds.normal(given);
      const row = { subject_id: subjectId, category, added_by: addedBy, created_at: clock.now() };
      await store.db
        .insertInto('access_protected_subjects')
        .values(row)
        .onConflict((oc) => oc.column('subject_id').doUpdateSet({ category, added_by: addedBy }))
        .execute();
      return this.get(subjectId);
    },

    /**
     * The list, newest first, a page at a time. The cursor is the last page's time and how many
     * entries of that time were already listed, so no subject id (personal data) ever travels in
     * a URL; entries added at the very same millisecond as a page boundary may shift by one.
     */
    async list(options: {
      limit: number;
      cursor?: string | undefined;
    }): Promise<{ subjects: ProtectedSubject[]; next: string | null }> {
      let query = store.db.selectFrom('access_protected_subjects').selectAll();
      let at: number | undefined;
      let skip = 0;
      if (options.cursor !== undefined) {
        const match = /^(\d{1,16})\.(\d{1,6})$/.exec(options.cursor);
        if (!match) throw new CustosError('request.invalid', 'malformed cursor');
        at = Number(match[1]);
        skip = Number(match[2]);
        query = query.where('created_at', '<=', at);
      }
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('subject_id')
        .offset(skip)
        .limit(options.limit + 1)
        .execute();
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      let next: string | null = null;
      if (rows.length > options.limit && last) {
        const sameTime = page.filter((row) => row.created_at === last.created_at).length;
        next = `${last.created_at}.${last.created_at === at ? skip + sameTime : sameTime}`;
      }
      return {
        subjects: page.map((row) => ({
          subjectId: row.subject_id,
          category: row.category as ProtectedCategory,
          addedBy: row.added_by,
          createdAt: row.created_at,
        })),
        next,
      };
    },

    /** Every subject id on the list (normal form), for detection's copy of it. */
    async ids(): Promise<string[]> {
      const rows = await store.db.selectFrom('access_protected_subjects').select('subject_id').execute();
      return rows.map((row) => row.subject_id);
    },

    async get(given: string): Promise<ProtectedSubject> {
      const subjectId = subjectIds.normal(given);
      const row = await store.db
        .selectFrom('access_protected_subjects')
        .selectAll()
        .where('subject_id', '=', subjectId)
        .executeTakeFirst();
      if (!row) throw new CustosError('resource.not_found', 'the subject is not on the protected list');
      return {
        subjectId: row.subject_id,
        category: row.category as ProtectedCategory,
        addedBy: row.added_by,
        createdAt: row.created_at,
      };
    },

    async remove(given: string): Promise<void> {
      const subjectId = subjectIds.normal(given);
      const result = await store.db
        .deleteFrom('access_protected_subjects')
        .where('subject_id', '=', subjectId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw new CustosError('resource.not_found', 'the subject is not on the protected list');
      }
    },

    /** Which of these subjects are protected, in normal form. */
    async among(given: readonly string[]): Promise<string[]> {
      if (given.length === 0) return [];
      const rows = await store.db
        .selectFrom('access_protected_subjects')
        .select('subject_id')
        .where('subject_id', 'in', subjectIds.normalAll(given))
        .execute();
      return rows.map((r) => r.subject_id);
    },
  };
}
