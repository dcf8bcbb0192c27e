import { CompiledQuery } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Reason } from '../core/decision.js';
import { CustosError } from '../core/errors.js';
import type { AccessEmployeesTable } from '../store/schema.js';
import type { Executor, Store } from '../store/store.js';
import type { SubjectIds } from './subjects.js';

export interface Employee {
  userId: string;
  platformUserId: string | null;
  managerId: string | null;
  team: string | null;
  /** On call until this time (ms since the epoch), as the paging system says; null when not. */
  onCallUntil: number | null;
}

/**
 * A change to one entry as a directory sync or a person sends it: a field left out keeps its
 * value (a new entry starts with null), and only an explicit null clears one. A resync that does
 * not know a field must never blank it: a cleared platform account or manager would silently turn
 * off the self and manager-chain rules, a cleared onCallUntil would take people off call.
 */
export type EmployeeChange = { userId: string } & Partial<Omit<Employee, 'userId'>>;

function toEmployee(row: AccessEmployeesTable): Employee {
  return {
    userId: row.user_id,
    platformUserId: row.platform_user_id,
    managerId: row.manager_id,
    team: row.team,
    onCallUntil: row.on_call_until,
  };
}

// Manager chains are short; a cycle or an absurd depth in the registry stops the walk.
const maxChainDepth = 16;
// Entries read and written per transaction by a bulk sync: big enough to be quick, small enough
// that one transaction never holds the write lock for long (and 500 × 6 bound values stays below
// SQLite's and PostgreSQL's parameter limits).
const syncChunk = 500;

export type Employees = ReturnType<typeof createEmployees>;

/**
 * The employee registry: engineer ↔ own platform account, manager, team, on-call time. It lets
 * Custos refuse lookups of oneself, of colleagues and of one's manager chain, whatever grants
 * exist; a person missing from it cannot be cleared by those rules, so they are refused.
 */
export function createEmployees(deps: {
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  subjectIds: SubjectIds;
  options: { maxOnCallAheadMs: number; maxSyncEntries: number };
}) {
  const { store, clock, subjectIds, options } = deps;
  // Every access check looks its actor up: the SQL is built once and only the value changes.
  const getSql = store.db.selectFrom('access_employees').selectAll().where('user_id', '=', '').compile().sql;
  const byPlatformSql = store.db
    .selectFrom('access_employees')
    .selectAll()
    .where('platform_user_id', '=', '')
    .compile().sql;

  async function get(userId: string): Promise<Employee | undefined> {
    const { rows } = await store.db.executeQuery<AccessEmployeesTable>(CompiledQuery.raw(getSql, [userId]));
    const row = rows[0];
    return row ? toEmployee(row) : undefined;
  }

  /** The entry `change` makes of `current` (or of nothing), checked; throws `access.employee_invalid`. */
  function merged(current: Employee | undefined, change: EmployeeChange): Employee {
    const next: Employee = {
      userId: change.userId,
      platformUserId: current?.platformUserId ?? null,
      managerId: current?.managerId ?? null,
      team: current?.team ?? null,
      onCallUntil: current?.onCallUntil ?? null,
    };
    if (change.platformUserId !== undefined) {
      next.platformUserId = change.platformUserId === null ? null : subjectIds.normal(change.platformUserId);
    }
    if (change.managerId !== undefined) next.managerId = change.managerId;
    if (change.team !== undefined) next.team = change.team;
    if (change.onCallUntil !== undefined) next.onCallUntil = change.onCallUntil;
    const invalid = (message: string) =>
      new CustosError('access.employee_invalid', `${change.userId}: ${message}`, { userId: change.userId });
    if (next.managerId === next.userId) throw invalid('an engineer cannot manage themselves');
    if (next.onCallUntil !== null) {
      const latest = clock.now() + options.maxOnCallAheadMs;
      if (!Number.isSafeInteger(next.onCallUntil) || next.onCallUntil < 0 || next.onCallUntil > latest) {
        throw invalid(
          `onCallUntil must be a time within ${Math.round(options.maxOnCallAheadMs / 3_600_000)} h from now (access.employees.maxOnCallAhead)`,
        );
      }
    }
    return next;
  }

  /** Writes whole entries, many per statement: new ones inserted, known ones replaced. */
  async function write(db: Executor, employees: readonly Employee[]): Promise<void> {
    if (employees.length === 0) return;
    const now = clock.now();
    const rows: AccessEmployeesTable[] = employees.map((employee) => ({
      user_id: employee.userId,
      platform_user_id: employee.platformUserId,
      manager_id: employee.managerId,
      team: employee.team,
      updated_at: now,
      on_call_until: employee.onCallUntil,
    }));
    await db
      .insertInto('access_employees')
      .values(rows)
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet((eb) => ({
          platform_user_id: eb.ref('excluded.platform_user_id'),
          manager_id: eb.ref('excluded.manager_id'),
          team: eb.ref('excluded.team'),
          updated_at: eb.ref('excluded.updated_at'),
          on_call_until: eb.ref('excluded.on_call_until'),
        })),
      )
      .execute();
  }

  function same(a: Employee, b: Employee): boolean {
    return (
      a.platformUserId === b.platformUserId &&
      a.managerId === b.managerId &&
      a.team === b.team &&
      a.onCallUntil === b.onCallUntil
    );
  }

  return {
    get,

    /** Registry entries by user id, a page at a time; `next` continues after the last. */
    async list(options: {
      limit: number;
      cursor?: string | undefined;
    }): Promise<{ employees: Employee[]; next: string | null }> {
      let query = store.db.selectFrom('access_employees').selectAll();
      if (options.cursor !== undefined) {
        if (!/^usr_[0-9A-Za-z]{1,60}$/.test(options.cursor)) {
          throw new CustosError('request.invalid', 'malformed cursor');
        }
        query = query.where('user_id', '>', options.cursor);
      }
      const rows = await query
        .orderBy('user_id')
        .limit(options.limit + 1)
        .execute();
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return {
        employees: page.map(toEmployee),
        next: rows.length > options.limit && last ? last.user_id : null,
      };
    },

    /** Creates an entry or changes one; fields left out keep their values (see EmployeeChange). */
    async put(change: EmployeeChange): Promise<{ employee: Employee; created: boolean }> {
      const current = await get(change.userId);
      const employee = merged(current, change);
      await write(store.db, [employee]);
      return { employee, created: current === undefined };
    },

    /** Changes an existing entry; a missing one is `resource.not_found`. */
    async patch(change: EmployeeChange): Promise<Employee> {
      const current = await get(change.userId);
      if (!current) throw new CustosError('resource.not_found', 'no such employee entry');
      const employee = merged(current, change);
      await write(store.db, [employee]);
      return employee;
    },

    /**
     * A directory sync of many entries at once, each a change as in `put`. Every entry is checked
     * before anything is written, so a bad entry fails the sync whole and names itself; entries
     * are then written in chunks of a few hundred per transaction.
     */
    async sync(
      changes: readonly EmployeeChange[],
    ): Promise<{ created: number; updated: number; unchanged: number }> {
      if (changes.length > options.maxSyncEntries) {
        throw new CustosError(
          'access.employee_invalid',
          `a sync carries at most ${options.maxSyncEntries} entries (access.employees.maxSyncEntries); send several`,
        );
      }
      const seen = new Set<string>();
      for (const change of changes) {
        if (seen.has(change.userId)) {
          throw new CustosError('access.employee_invalid', `${change.userId} appears twice in the sync`, {
            userId: change.userId,
          });
        }
        seen.add(change.userId);
      }
      const tally = { created: 0, updated: 0, unchanged: 0 };
      for (let i = 0; i < changes.length; i += syncChunk) {
        const chunk = changes.slice(i, i + syncChunk);
        const existing = new Map(
          (
            await store.db
              .selectFrom('access_employees')
              .selectAll()
              .where(
                'user_id',
                'in',
                chunk.map((c) => c.userId),
              )
              .execute()
          ).map((row) => [row.user_id, toEmployee(row)]),
        );
        const writes: Employee[] = [];
        for (const change of chunk) {
          const current = existing.get(change.userId);
          const next = merged(current, change);
          if (!current) tally.created++;
          else if (same(current, next)) {
            tally.unchanged++;
            continue;
          } else tally.updated++;
          writes.push(next);
        }
        // Rows per statement stay far below both databases' bound-parameter limits.
        await store.transaction((tx) => write(tx, writes));
      }
      return tally;
    },

    /** The Custos user ids above this engineer in the management chain, nearest first. */
    /** The actor's registry entry, or undefined when they are not in it. */
    find: (userId: string): Promise<Employee | undefined> => get(userId),

    async managersOf(userId: string): Promise<string[]> {
      const chain: string[] = [];
      let manager = (await get(userId))?.managerId ?? null;
      for (let depth = 0; manager && depth < maxChainDepth && !chain.includes(manager); depth++) {
        chain.push(manager);
        manager = (await get(manager))?.managerId ?? null;
      }
      return chain;
    },

    /**
     * Why `actorId` must not look at `subjectId` at all, or undefined: the actor is not in the
     * registry (so none of the rules below can clear them), or the subject is the actor's own
     * account, a teammate's, or someone's in the actor's manager chain. `subjectId` is normal.
     */
    async conflict(actorId: string, subjectId: string): Promise<Reason | undefined> {
      const actor = await get(actorId);
      if (!actor) {
        return {
          code: 'actor.unregistered',
          message:
            'You are not in the employee registry, so Custos cannot rule out that the subject is you, a colleague or a manager.',
        };
      }
      if (actor.platformUserId === subjectId) {
        return { code: 'subject.self', message: 'Engineers may not look up their own account.' };
      }
      const { rows: owners } = await store.db.executeQuery<AccessEmployeesTable>(
        CompiledQuery.raw(byPlatformSql, [subjectId]),
      );
      if (owners.length === 0) return undefined;
      const owner = toEmployee(owners[0] as AccessEmployeesTable);
      if (actor.team !== null && owner.team === actor.team) {
        return {
          code: 'subject.colleague',
          message: 'The subject is the account of a colleague on the same team.',
        };
      }
      let manager = actor.managerId;
      for (let depth = 0; manager && depth < maxChainDepth; depth++) {
        if (manager === owner.userId) {
          return {
            code: 'subject.manager_chain',
            message: 'The subject is the account of someone in your management chain.',
          };
        }
        manager = (await get(manager))?.managerId ?? null;
      }
      return undefined;
    },
  };
}
