import { CompiledQuery } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Reason } from '../core/decision.js';
import { CustosError } from '../core/errors.js';
import type { AccessEmployeesTable } from '../store/schema.js';
import type { Store } from '../store/store.js';

export interface Employee {
  userId: string;
  platformUserId: string | null;
  managerId: string | null;
  team: string | null;
  /** On call until this time (ms since the epoch), as the paging system says; null when not. */
  onCallUntil: number | null;
}

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

export type Employees = ReturnType<typeof createEmployees>;

/**
 * The employee registry: engineer ↔ own platform account, manager, team. It lets Custos refuse
 * lookups of oneself, of colleagues and of one's manager chain, whatever grants exist.
 */
export function createEmployees(deps: { store: Pick<Store, 'db'>; clock: Clock }) {
  const { store, clock } = deps;
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

  return {
    get,

    /** Records or replaces one engineer's entry (posted by the HR or directory sync). */
    async put(input: Omit<Employee, 'onCallUntil'> & { onCallUntil?: number | null }): Promise<Employee> {
      const employee: Employee = { ...input, onCallUntil: input.onCallUntil ?? null };
      if (employee.managerId === employee.userId) {
        throw new CustosError('request.invalid', 'an engineer cannot manage themselves');
      }
      const row: AccessEmployeesTable = {
        user_id: employee.userId,
        platform_user_id: employee.platformUserId,
        manager_id: employee.managerId,
        team: employee.team,
        updated_at: clock.now(),
        on_call_until: employee.onCallUntil,
      };
      const { user_id: _key, ...changes } = row;
      await store.db
        .insertInto('access_employees')
        .values(row)
        .onConflict((oc) => oc.column('user_id').doUpdateSet(changes))
        .execute();
      return toEmployee(row);
    },

    /** The Custos user ids above this engineer in the management chain, nearest first. */
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
     * Why `actorId` must not look at `subjectId` at all, or undefined: the subject is the actor's
     * own account, a teammate's, or someone's in the actor's manager chain.
     */
    async conflict(actorId: string, subjectId: string): Promise<Reason | undefined> {
      const actor = await get(actorId);
      if (!actor) return undefined;
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
