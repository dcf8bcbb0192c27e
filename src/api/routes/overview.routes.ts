import { z } from 'zod';
import { type AccessOverview, overviewWindows } from '../../access/overview.js';
import type { Clock } from '../../core/clock.js';
import { rolesAllow } from '../../identity/roles.js';
import { latestCosignatureTime } from '../../ledger/cosigned.js';
import type { Ledger } from '../../ledger/ledger.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import type { App } from '../types.js';

const count = z.number().int().min(0);
const seconds = z.number().min(0).nullable();

const overviewSchema = z.object({
  generatedAt: z.number(),
  access: z.object({
    standingAccessActors: count.describe(
      'People holding a grant in force that no approved request or break-glass explains, or longer than any tier allows. Must be 0.',
    ),
    activeGrants: z.object({ approval: count, breakGlass: count }),
    pendingRequests: count.describe('Access requests waiting for approval.'),
    breakGlassUnreviewed: count.describe('Break-glass uses security has not reviewed yet.'),
  }),
  ledger: z.object({
    size: count.describe('Entries sequenced.'),
    integrated: count.describe('Entries covered by the latest published checkpoint.'),
    checkpointAgeSeconds: seconds.describe(
      'Since this node last published a checkpoint; null if it has not since it started.',
    ),
    cosignatureAgeSeconds: seconds.describe(
      'Since the newest witness cosignature on the latest checkpoint; null without witnesses.',
    ),
    publicationStale: z.boolean().describe('Entries have waited longer than allowed for a checkpoint.'),
  }),
  series: z.object({
    window: z.enum(Object.keys(overviewWindows) as [keyof typeof overviewWindows]),
    bucketSeconds: z.number(),
    buckets: z.array(z.number()).describe('Start of each bucket (epoch ms), oldest first.'),
    activeGrants: z.array(count).describe('Grants in force at the end of each bucket.'),
    checks: z
      .array(z.object({ decision: z.enum(['permit', 'deny']), reason: z.string(), counts: z.array(count) }))
      .nullable()
      .describe(
        'Access checks per bucket by decision and leading reason; null for roles that see only their own access (engineers).',
      ),
  }),
});

/** The console's overview: one call, every figure computed by aggregate queries on the server. */
export function overviewRoutes(
  app: App,
  deps: {
    accessOverview: AccessOverview;
    ledger: Pick<Ledger, 'sizes' | 'checkpoint' | 'publication'>;
    clock: Clock;
  },
): void {
  app.get(
    '/v1/overview',
    {
      config: { access: { permission: 'overview.read' } },
      schema: {
        operationId: 'getOverview',
        tags: ['overview'],
        summary:
          'Figures for the console’s overview: standing access, grants, approvals, break-glass, ledger health, and hourly series.',
        querystring: z.object({ window: z.enum(['24h', '7d']).default('24h') }).strict(),
        response: { 200: overviewSchema, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const { accessOverview, ledger, clock } = deps;
      const window = request.query.window;
      // Hourly check counts by reason trace colleagues' activity hour by hour: shown to those who
      // may see everyone's grants, not to engineers, who see only their own elsewhere.
      const seesEveryone = rolesAllow(principalOf(request).roles, 'access.grants.read_all');
      const [figures, series] = await Promise.all([accessOverview.figures(), accessOverview.series(window)]);
      const now = clock.now();
      const publication = ledger.publication();
      const cosigned = latestCosignatureTime(ledger.checkpoint());
      const sizes = ledger.sizes();
      return {
        generatedAt: now,
        access: figures,
        ledger: {
          size: sizes.sequenced,
          integrated: sizes.integrated,
          checkpointAgeSeconds:
            publication.publishedAt === undefined
              ? null
              : Math.max(0, (now - publication.publishedAt) / 1000),
          cosignatureAgeSeconds: cosigned === undefined ? null : Math.max(0, now / 1000 - cosigned),
          publicationStale: publication.stale,
        },
        series: {
          window,
          bucketSeconds: 3600,
          buckets: series.buckets,
          activeGrants: series.activeGrants,
          checks: seesEveryone
            ? series.checks.map((line) => ({ ...line, decision: line.decision as 'permit' | 'deny' }))
            : null,
        },
      };
    },
  );
}
