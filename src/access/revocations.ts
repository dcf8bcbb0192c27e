import { CustosError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import type { Grant, Grants } from './grants.js';
import type { People, Person } from './people.js';

export type GrantRevocations = ReturnType<typeof createGrantRevocations>;

/**
 * Grants as people see and end them: the grants one may list, and revocation by a person — the
 * holder, anyone who approved the grant, or whoever may revoke any grant (security). Effective on
 * the next check; announced and logged by the grants' owner.
 */
export function createGrantRevocations(deps: {
  store: Pick<Store, 'db' | 'transaction'>;
  grants: Pick<Grants, 'get' | 'list' | 'revoke'>;
  people: Pick<People, 'allows'>;
}) {
  const { store, grants, people } = deps;

  async function approvedBy(grant: Grant, personId: string): Promise<boolean> {
    if (!grant.requestId) return false;
    const row = await store.db
      .selectFrom('access_approvals')
      .select('approver_id')
      .where('request_id', '=', grant.requestId)
      .where('approver_id', '=', personId)
      .where('decision', '=', 'approve')
      .executeTakeFirst();
    return row !== undefined;
  }

  return {
    /** Grants newest first: one's own, or anyone's (optionally one actor's) for those who see all. */
    list(
      viewer: Person,
      filter: { actorId?: string | undefined; active?: boolean; limit?: number | undefined },
    ) {
      const all = people.allows(viewer.roles, 'access.grants.read_all');
      return grants.list({
        actorId: all ? filter.actorId : viewer.id,
        ...(filter.active !== undefined ? { active: filter.active } : {}),
        ...(filter.limit !== undefined ? { limit: filter.limit } : {}),
      });
    },

    async revoke(grantId: string, by: Person, reason: string): Promise<Grant> {
      const grant = await grants.get(grantId);
      const may =
        by.id === grant.actorId ||
        people.allows(by.roles, 'access.grants.revoke_any') ||
        (await approvedBy(grant, by.id));
      if (!may) {
        // Engineers learn nothing about grants that are not theirs.
        if (!people.allows(by.roles, 'access.grants.read_all')) {
          throw new CustosError('resource.not_found', 'no such grant');
        }
        throw new CustosError(
          'access.denied',
          'a grant is revoked by its holder, by someone who approved it, or by a security analyst',
        );
      }
      const [revoked] = await store.transaction((tx) => grants.revoke(tx, [grantId], by.id, reason));
      // Someone else revoked it a moment ago, or it expired: one revocation, one record, one event.
      if (!revoked) throw new CustosError('access.grant_revoked', 'the grant is already revoked or expired');
      return { ...grant, revokedAt: revoked.revokedAt };
    },
  };
}
