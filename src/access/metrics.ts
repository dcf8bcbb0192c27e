import type { Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';
import { maxDurationByTier } from './grants.js';

export interface AccessStats {
  /**
   * Distinct people holding a grant in force that no approval trail explains: not issued by an
   * approved request nor by break-glass, or longer than any tier allows. By construction 0; a
   * non-zero value means grants were written around Custos (straight into the database, say).
   */
  standingAccessActors: number;
  activeGrants: { approval: number; break_glass: number };
  pendingRequests: number;
  /** Median seconds from request to grant over the last 30 days; null without approvals. */
  medianApprovalSeconds: number | null;
  breakGlassUses30d: number;
  breakGlassUnreviewed: number;
  /** Age in seconds of the oldest unreviewed break-glass use; 0 when none waits. */
  breakGlassOldestUnreviewedSeconds: number;
}

const window30d = 30 * 86_400_000;
const longestGrant = Math.max(...Object.values(maxDurationByTier));

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Reads the access figures behind the Prometheus gauges, at scrape time. */
export async function readAccessStats(store: Pick<Store, 'db'>, clock: Clock): Promise<AccessStats> {
  const now = clock.now();
  const active = await store.db
    .selectFrom('access_grants as g')
    .leftJoin('access_requests as r', 'r.id', 'g.request_id')
    .leftJoin('access_break_glass as b', 'b.grant_id', 'g.id')
    .select([
      'g.actor_id',
      'g.source',
      'g.starts_at',
      'g.expires_at',
      'r.status as request_status',
      'b.id as break_glass_id',
    ])
    .where('g.revoked_at', 'is', null)
    .where('g.expires_at', '>', now)
    .where('g.starts_at', '<=', now)
    .execute();
  const unexplained = new Set<string>();
  const activeGrants = { approval: 0, break_glass: 0 };
  for (const grant of active) {
    if (grant.source === 'break_glass') activeGrants.break_glass++;
    else activeGrants.approval++;
    const trail =
      (grant.source === 'approval' && grant.request_status === 'approved') ||
      (grant.source === 'break_glass' && grant.break_glass_id !== null);
    if (!trail || grant.expires_at - grant.starts_at > longestGrant) unexplained.add(grant.actor_id);
  }
  const pending = await store.db
    .selectFrom('access_requests')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .executeTakeFirst();
  const approved = await store.db
    .selectFrom('access_requests')
    .select(['created_at', 'decided_at'])
    .where('status', '=', 'approved')
    .where('decided_at', '>', now - window30d)
    .execute();
  const uses = await store.db
    .selectFrom('access_break_glass')
    .select(['created_at', 'reviewed_at'])
    .where((eb) => eb.or([eb('created_at', '>', now - window30d), eb('reviewed_at', 'is', null)]))
    .execute();
  const unreviewed = uses.filter((u) => u.reviewed_at === null);
  return {
    standingAccessActors: unexplained.size,
    activeGrants,
    pendingRequests: Number(pending?.n ?? 0),
    medianApprovalSeconds: median(approved.map((r) => ((r.decided_at as number) - r.created_at) / 1000)),
    breakGlassUses30d: uses.filter((u) => u.created_at > now - window30d).length,
    breakGlassUnreviewed: unreviewed.length,
    breakGlassOldestUnreviewedSeconds: unreviewed.length
      ? Math.max(...unreviewed.map((u) => (now - u.created_at) / 1000))
      : 0,
  };
}
