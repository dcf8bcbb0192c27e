import { type Expression, type SqlBool, sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';
import { type CheckCounts, hourMs } from './check.counts.js';
import { maxDurationByTier } from './grants.js';

const longestGrant = Math.max(...Object.values(maxDurationByTier));

/** The spans the overview's series cover, each in hourly buckets. */
export const overviewWindows = { '24h': 24, '7d': 168 } as const;
export type OverviewWindow = keyof typeof overviewWindows;

export interface AccessFigures {
  /** Distinct people holding a grant in force that no approval trail explains; must be 0. */
  standingAccessActors: number;
  activeGrants: { approval: number; breakGlass: number };
  pendingRequests: number;
  breakGlassUnreviewed: number;
}

export interface AccessSeries {
  /** Start of each hourly bucket, oldest first; the last is the hour now under way. */
  buckets: number[];
  /** Checks answered in each bucket, by decision and leading reason code. */
  checks: { decision: string; reason: string; counts: number[] }[];
  /** Grants in force at the end of each bucket (now, for the last). */
  activeGrants: number[];
}

export type AccessOverview = ReturnType<typeof createAccessOverview>;

/**
 * The figures and series of the console's overview, each one aggregate query: nothing reads
 * every grant or check into memory, so the page costs the same with a million ledger entries.
 */
export function createAccessOverview(deps: {
  store: Pick<Store, 'db'>;
  clock: Clock;
  checkCounts: CheckCounts;
}) {
  const { store, clock, checkCounts } = deps;

  async function standingAccessActors(now: number): Promise<number> {
    const row = await store.db
      .selectFrom('access_grants as g')
      .leftJoin('access_requests as r', 'r.id', 'g.request_id')
      .leftJoin('access_break_glass as b', 'b.grant_id', 'g.id')
      .select((eb) => eb.fn.count<number>('g.actor_id').distinct().as('n'))
      .where('g.revoked_at', 'is', null)
      .where('g.expires_at', '>', now)
      .where('g.starts_at', '<=', now)
      .where((eb) => {
        // Written so that no part is NULL: NOT of a NULL would drop a grant without a trail.
        const trail = eb.or([
          eb.and([
            eb('g.source', '=', 'approval'),
            eb(eb.fn.coalesce('r.status', sql.lit('')), '=', 'approved'),
          ]),
          eb.and([eb('g.source', '=', 'break_glass'), eb('b.id', 'is not', null)]),
        ]);
        return eb.or([eb.not(trail), eb(eb('g.expires_at', '-', eb.ref('g.starts_at')), '>', longestGrant)]);
      })
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  return {
    /** Figures as of now: standing access, grants in force, requests waiting, unreviewed break-glass. */
    async figures(): Promise<AccessFigures> {
      const now = clock.now();
      const [standing, grants, pending, unreviewed] = await Promise.all([
        standingAccessActors(now),
        store.db
          .selectFrom('access_grants')
          .select(['source', (eb) => eb.fn.countAll<number>().as('n')])
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now)
          .where('starts_at', '<=', now)
          .groupBy('source')
          .execute(),
        store.db
          .selectFrom('access_requests')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'pending')
          .where('expires_at', '>', now)
          .executeTakeFirst(),
        store.db
          .selectFrom('access_break_glass')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('reviewed_at', 'is', null)
          .executeTakeFirst(),
      ]);
      const bySource = (source: string) => Number(grants.find((g) => g.source === source)?.n ?? 0);
      return {
        standingAccessActors: standing,
        activeGrants: { approval: bySource('approval'), breakGlass: bySource('break_glass') },
        pendingRequests: Number(pending?.n ?? 0),
        breakGlassUnreviewed: Number(unreviewed?.n ?? 0),
      };
    },

    /** Hourly series over `window`, ending with the hour under way. */
    async series(window: OverviewWindow): Promise<AccessSeries> {
      const now = clock.now();
      const hours = overviewWindows[window];
      const current = now - (now % hourMs);
      const buckets = Array.from({ length: hours }, (_, i) => current - (hours - 1 - i) * hourMs);
      const from = buckets[0] as number;
      const samples = buckets.map((start) => Math.min(start + hourMs, now));
      const [counts, grants] = await Promise.all([
        checkCounts.between(from, current + hourMs),
        // One row whose columns are the counts in force at each sample time, over the grants
        // that overlap the window only.
        store.db
          .selectFrom('access_grants')
          .select((eb) =>
            samples.map((at, i) => {
              const inForce: Expression<SqlBool> = eb.and([
                eb('starts_at', '<=', at),
                eb('expires_at', '>', at),
                eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', at)]),
              ]);
              return eb.fn.sum<number>(eb.case().when(inForce).then(1).else(0).end()).as(`p${i}`);
            }),
          )
          .where('starts_at', '<=', now)
          .where('expires_at', '>', from)
          .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', from)]))
          .executeTakeFirst(),
      ]);
      const checks = new Map<string, AccessSeries['checks'][number]>();
      for (const row of counts) {
        const key = `${row.decision} ${row.reason}`;
        let line = checks.get(key);
        if (!line) {
          line = { decision: row.decision, reason: row.reason, counts: buckets.map(() => 0) };
          checks.set(key, line);
        }
        line.counts[(row.hour - from) / hourMs] = row.count;
      }
      const sampled = (grants ?? {}) as Record<string, unknown>;
      return {
        buckets,
        checks: [...checks.values()].sort((a, b) =>
          (a.decision + a.reason).localeCompare(b.decision + b.reason),
        ),
        activeGrants: samples.map((_, i) => Number(sampled[`p${i}`] ?? 0)),
      };
    },
  };
}
