import type { EmployeeChange } from '../../src/access/employees.js';
import type { Grant, IssueGrantInput } from '../../src/access/grants.js';
import type { Custos } from '../../src/app.js';

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
