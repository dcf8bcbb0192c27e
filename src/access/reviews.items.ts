import type { Clock } from '../core/clock.js';
import type { Role } from '../core/config.js';
import { isCustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Outbox } from '../store/outbox.js';
import type { AccessReviewItemsTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { Employees } from './employees.js';
import type { Grants } from './grants.js';
import type { People } from './people.js';
import { type CreateCampaignInput, standingRoles } from './reviews.types.js';

export interface ReviewsDeps {
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  logger: Logger;
  grants: Pick<Grants, 'revoke' | 'get'>;
  people: Pick<People, 'list' | 'get' | 'removeRole' | 'listApiKeys' | 'revokeApiKey' | 'allows'>;
  employees: Pick<Employees, 'get'>;
  ledger: Pick<Ledger, 'append'>;
  outbox: Outbox;
  options: { remindBeforeMs: number };
}

/** What a campaign reviews and how a revocation is carried out. */
export function reviewTargets(deps: ReviewsDeps) {
  const { store, clock } = deps;

  /** Takes the privilege away; returns what happened, never throws for an expected refusal. */
  async function revokeTarget(item: AccessReviewItemsTable, by: string): Promise<string> {
    try {
      if (item.kind === 'grant') {
        // Revoked, announced and logged by the grants' owner; nothing to do if it already ended.
        const revoked = await deps.store.transaction((tx) =>
          deps.grants.revoke(tx, [item.target], `review:${item.campaign_id}`, `access review by ${by}`),
        );
        if (revoked.length === 0) return 'already_gone';
      } else if (item.kind === 'role') {
        const [userId, role] = item.target.split(':') as [string, Role];
        const user = await deps.people.get(userId);
        if (!user.roles.includes(role) || user.disabledAt !== null) return 'already_gone';
        await deps.people.removeRole(userId, role, `review:${item.campaign_id}`);
      } else {
        await deps.people.revokeApiKey(item.target, `review:${item.campaign_id}`);
      }
      return 'revoked';
    } catch (error) {
      if (isCustosError(error, 'resource.not_found')) return 'already_gone';
      if (isCustosError(error, 'identity.last_admin')) return `kept: ${error.message}`;
      throw error;
    }
  }

  async function candidates(
    input: CreateCampaignInput,
    campaignId: string,
  ): Promise<AccessReviewItemsTable[]> {
    const now = clock.now();
    const fallback = input.reviewers;
    let turn = 0;
    const pick = (holder: string, preferred: (string | null | undefined)[]): string | null => {
      for (const reviewer of preferred) if (reviewer && reviewer !== holder) return reviewer;
      for (let i = 0; i < fallback.length; i++) {
        const reviewer = fallback[(turn + i) % fallback.length] as string;
        if (reviewer !== holder) {
          turn = (turn + i + 1) % fallback.length;
          return reviewer;
        }
      }
      return null;
    };
    const item = (
      kind: AccessReviewItemsTable['kind'],
      target: string,
      holder: string,
      description: string,
      reviewer: string | null,
    ): AccessReviewItemsTable => ({
      id: newId('rvi', clock),
      campaign_id: campaignId,
      kind,
      target,
      holder_id: holder,
      description,
      reviewer_id: reviewer,
      decision: null,
      comment: null,
      decided_at: null,
      outcome: null,
    });
    const items: AccessReviewItemsTable[] = [];

    if (input.grantsLongerThanMs !== undefined) {
      const rows = await store.db
        .selectFrom('access_grants')
        .selectAll()
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .execute();
      for (const grant of rows) {
        if (grant.expires_at - grant.starts_at <= input.grantsLongerThanMs) continue;
        const approvers = grant.request_id
          ? (
              await store.db
                .selectFrom('access_approvals')
                .select('approver_id')
                .where('request_id', '=', grant.request_id)
                .where('decision', '=', 'approve')
                .orderBy('created_at')
                .execute()
            ).map((a) => a.approver_id)
          : [];
        const manager = (await deps.employees.get(grant.actor_id))?.managerId;
        const fields = JSON.parse(grant.fields) as string[];
        items.push(
          item(
            'grant',
            grant.id,
            grant.actor_id,
            `grant ${grant.id} (${grant.purpose}, ${fields.join(', ')}) until ${new Date(grant.expires_at).toISOString()}`,
            pick(grant.actor_id, [...approvers, manager]),
          ),
        );
      }
    }
    if (input.includeRoles) {
      for (const user of await deps.people.list()) {
        const manager = (await deps.employees.get(user.id))?.managerId;
        for (const role of user.roles.filter((r) => standingRoles.includes(r))) {
          items.push(
            item(
              'role',
              `${user.id}:${role}`,
              user.id,
              `${user.username} holds the ${role} role`,
              pick(user.id, [manager]),
            ),
          );
        }
      }
      for (const key of await deps.people.listApiKeys()) {
        items.push(
          item(
            'apikey',
            key.id,
            key.id,
            `API key ${key.name} (${key.roles.join(', ')})`,
            pick(key.id, [key.createdBy.startsWith('usr_') ? key.createdBy : null]),
          ),
        );
      }
    }
    return items;
  }

  return { revokeTarget, candidates };
}
