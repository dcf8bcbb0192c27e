import type { EmployeeChange } from '../../src/access/employees.js';
import type { Grant, IssueGrantInput } from '../../src/access/grants.js';
import type { Custos } from '../../src/app.js';
import { addUser } from './app.js';

/**
 * A grant in force, as an approved decision leaves one: issued dormant in a transaction, then
 * activated (which announces and logs it). For tests of what grants permit, not of approvals.
 */
export async function issueGrant(custos: Custos, input: IssueGrantInput, decidedBy = 'test'): Promise<Grant> {
  const grant = await custos.store.transaction((tx) => custos.grants.issue(tx, input));
  const active = await custos.grants.activate(grant, decidedBy);
  if (!active) throw new Error('the grant could not be activated');
  return active;
}

/** Revokes grants as something other than a person would (a ticket, a review, Custos). */
export function revokeGrants(custos: Custos, ids: string[], by: string, reason: string): Promise<Grant[]> {
  return custos.store.transaction((tx) => custos.grants.revoke(tx, ids, by, reason));
}

/** Puts a person in the employee registry, which every access rule needs to clear them. */
export async function register(custos: Custos, userId: string, change: Omit<EmployeeChange, 'userId'> = {}) {
  return (await custos.employees.put({ userId, ...change })).employee;
}

/**
 * An engineer `sam` on the support team with a two-hour grant (ticket TCK-1) to read the phone
 * number of `star-1`, a public figure on the protected list: the reads detection tests watch.
 */
export async function engineerWithProtectedGrant(custos: Custos): Promise<string> {
  const { id } = await addUser(custos, 'sam', ['engineer']);
  await register(custos, id, { platformUserId: 'sam-own', team: 'support' });
  await custos.protectedSubjects.put('star-1', 'public_figure', 'test');
  await issueGrant(custos, {
    actorId: id,
    purpose: 'support',
    ticketId: 'TCK-1',
    subjects: ['star-1'],
    fields: ['identity.phone'],
    operations: ['read'],
    durationMs: 2 * 3_600_000,
    source: 'approval',
  });
  return id;
}
