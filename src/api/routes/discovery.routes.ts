import { z } from 'zod';
import { CustosError } from '../../core/errors.js';
import { idSchema } from '../../core/ids.js';
import type { DiscoveryServices } from '../../discovery/domain.js';
import { discoveryModes, discoveryVerdicts } from '../../discovery/types.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { epochMs, idParam, limit, printableToken, subjectId, timeIdCursor } from '../schemas.js';
import type { App } from '../types.js';

const reasonSchema = z.object({
  code: z.string(),
  message: z.string(),
  contribution: z.number().optional().describe('Points this signal adds to the enumeration score.'),
});

const decisionSchema = z.object({
  id: idSchema('dch').describe(
    'The check’s id; a decision other than allow is on the ledger as `discovery.decision`.',
  ),
  decision: z.enum(discoveryVerdicts),
  allowed: z
    .array(z.number().int().min(0))
    .describe('Indexes of the numbers that may be answered truthfully, ascending.'),
  canaries: z
    .array(z.number().int().min(0))
    .describe(
      'Indexes of canary numbers to answer “registered” with a decoy profile, ascending (empty unless discovery.canaries is set).',
    ),
  retryAfter: z.number().int().min(0).optional().describe('Seconds until more numbers could be answered.'),
  reasons: z.array(reasonSchema),
  score: z
    .number()
    .describe(
      'The enumeration score: the sum of the signals’ points; 0 when nothing looks like enumeration.',
    ),
  counts: z.object({
    numbers: z.number().int(),
    invalid: z.number().int(),
    duplicates: z.number().int(),
    new: z.number().int().describe('Numbers this account had never looked up: what the quota charges.'),
    known: z.number().int(),
  }),
  quotaRemaining: z.number().int().describe('New numbers the account may still look up now.'),
});

const decisionRowSchema = z.object({
  id: z.string(),
  at: z.number(),
  account: z.string(),
  device: z.string(),
  ip: z.string(),
  decision: z.string(),
  score: z.number(),
  reason: z.string().describe('The reason that added most to the score.'),
  numbers: z.number().int(),
  allowed: z.number().int(),
});

const recordSchema = z.object({
  id: z.string(),
  ledgerIndex: z.number(),
  at: z.number(),
  decidedAt: z.number(),
  account: z.string(),
  device: z.string(),
  ip: z.string(),
  asn: z.number().nullable(),
  mode: z.string(),
  caller: z.string(),
  decision: z.string(),
  score: z.number(),
  allowed: z.number().int(),
  canaries: z.number().int(),
  retryAfterMs: z.number().nullable(),
  counts: z.object({
    numbers: z.number().int(),
    invalid: z.number().int(),
    duplicates: z.number().int(),
    new: z.number().int(),
    known: z.number().int(),
  }),
  reasons: z.array(reasonSchema),
});

const window = z
  .object({
    from: z.coerce.number().int().min(0),
    to: z.coerce.number().int().min(0),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict()
  .refine(
    (q) => q.to > q.from && q.to - q.from <= 92 * 86_400_000,
    'from must be before to, at most 92 days apart',
  );

const pages = timeIdCursor('dch');

/** The contact-discovery guard: the platform's check and results calls, and the console's reads. */
export function discoveryRoutes(app: App, deps: DiscoveryServices & { batchMax: number }): void {
  app.post(
    '/v1/discovery/check',
    {
      config: { access: { permission: 'discovery.check' } },
      schema: {
        operationId: 'checkContactDiscovery',
        tags: ['discovery'],
        summary:
          'Which numbers of this address-book sync may be answered truthfully? Charges the shared limits and the account’s new-number quota.',
        body: z
          .object({
            account: subjectId,
            device: printableToken(128, 'the device id'),
            ip: z.string().min(1).max(100).describe('The client’s IPv4 or IPv6 address.'),
            asn: z.number().int().min(0).max(4_294_967_295).optional(),
            phone: z
              .string()
              .max(32)
              .optional()
              .describe('The account’s own number, E.164: address books are mostly in its country.'),
            // Entries are bounded but not shaped: a malformed one is counted in the answer, not a 400.
            numbers: z
              .array(z.string().max(100))
              .min(1)
              .max(100_000)
              .describe(
                `E.164 numbers, or 64-hex-digit keyed hashes; at most ${deps.batchMax} (discovery.batchMax; more is refused with 413).`,
              ),
            mode: z.enum(discoveryModes),
            time: epochMs.optional().describe('When the sync was made, ms since the epoch; now by default.'),
            registered: z
              .array(z.boolean())
              .max(100_000)
              .optional()
              .describe('Whether each number is registered, when the platform already knows (same order).'),
          })
          .strict(),
        response: { 200: decisionSchema, ...errorResponses(400, 401, 403, 413, 503) },
      },
    },
    async (request) => {
      const decided = await deps.discoveryCheck.check(request.body, principalOf(request).id);
      const { retryAfterMs, ...rest } = decided;
      return {
        ...rest,
        ...(retryAfterMs !== undefined ? { retryAfter: Math.ceil(retryAfterMs / 1000) } : {}),
      };
    },
  );

  app.post(
    '/v1/discovery/results',
    {
      config: { access: { permission: 'discovery.check' } },
      schema: {
        operationId: 'reportDiscoveryResults',
        tags: ['discovery'],
        summary:
          'How many of the numbers a check allowed turned out registered: the hit rate the guard watches.',
        body: z
          .object({
            account: subjectId,
            check: idSchema('dch'),
            registered: z
              .array(z.number().int().min(0))
              .max(100_000)
              .describe('Indexes (into the check’s numbers) of the allowed numbers that are registered.'),
          })
          .strict(),
        response: {
          200: z.object({
            hitRate: z.number().nullable().describe('Registered among all numbers answered to this account.'),
          }),
          ...errorResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) => {
      const { account, registered } = request.body;
      if (new Set(registered).size !== registered.length) {
        throw new CustosError('request.invalid', '`registered` names an index twice');
      }
      return deps.discoveryCheck.report({
        account,
        check: request.body.check,
        registered: registered.length,
      });
    },
  );

  app.get(
    '/v1/discovery/summary',
    {
      config: { access: { permission: 'discovery.read' } },
      schema: {
        operationId: 'getDiscoverySummary',
        tags: ['discovery'],
        summary: 'Checks per hour by decision and leading reason, and the fleets flagged now.',
        querystring: window,
        response: {
          200: z.object({
            from: z.number(),
            to: z.number(),
            counts: z.array(
              z.object({
                hour: z.number(),
                decision: z.string(),
                reason: z.string(),
                count: z.number().int(),
              }),
            ),
            fleets: z.number().int().describe('Fleets flagged on this node at its last recompute.'),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      return {
        from,
        to,
        counts: await deps.discoveryTallies.between(from, to),
        fleets: deps.discoveryFleets.flagged().length,
      };
    },
  );

  app.get(
    '/v1/discovery/offenders',
    {
      config: { access: { permission: 'discovery.read' } },
      schema: {
        operationId: 'listDiscoveryOffenders',
        tags: ['discovery'],
        summary: 'Accounts with decisions other than allow in the window, worst score first.',
        querystring: window,
        response: {
          200: z.object({
            offenders: z.array(
              z.object({
                account: z.string(),
                decisions: z.number().int(),
                maxScore: z.number(),
                numbers: z.number().int(),
                lastAt: z.number(),
                lastDecision: z.string(),
                reason: z.string(),
              }),
            ),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { from, to, limit } = request.query;
      return { offenders: await deps.discoveryQueries.offenders(from, to, limit ?? 50) };
    },
  );

  app.post(
    '/v1/discovery/decisions/search',
    {
      config: { access: { permission: 'discovery.read' } },
      schema: {
        operationId: 'searchDiscoveryDecisions',
        tags: ['discovery'],
        summary: 'Decisions other than allow, by account and decision, newest first.',
        body: z
          .object({
            account: subjectId.optional(),
            decision: z.enum(discoveryVerdicts).optional(),
            from: epochMs.optional(),
            to: epochMs.optional(),
            cursor: z.string().max(128).optional(),
            limit: z.number().int().min(1).max(200).default(50),
          })
          .strict(),
        response: {
          200: z.object({ decisions: z.array(decisionRowSchema), next: z.string().nullable() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { cursor, ...filters } = request.body;
      const page = await deps.discoveryQueries.search({
        ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)),
        limit: filters.limit,
        ...(cursor ? { before: pages.parse(cursor) } : {}),
      });
      return { decisions: page.rows, next: page.next ? pages.text(page.next.at, page.next.id) : null };
    },
  );

  app.get(
    '/v1/discovery/decisions/:id',
    {
      config: { access: { permission: 'discovery.read' } },
      schema: {
        operationId: 'getDiscoveryDecision',
        tags: ['discovery'],
        summary: 'One decision as the ledger holds it: who asked, the counts and every reason.',
        params: idParam('dch'),
        response: { 200: recordSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => deps.discoveryQueries.get(request.params.id),
  );

  app.get(
    '/v1/discovery/fleets',
    {
      config: { access: { permission: 'discovery.read' } },
      schema: {
        operationId: 'listDiscoveryFleets',
        tags: ['discovery'],
        summary: 'Fleets flagged at this node’s last recompute: accounts judged together, worst first.',
        response: {
          200: z.object({
            fleets: z.array(
              z.object({
                id: z.string(),
                size: z.number().int(),
                accounts: z.array(z.string()).describe('The first 50 accounts.'),
                score: z.number(),
                verdict: z.string(),
                reasons: z.array(reasonSchema),
                asked: z.number().int(),
                since: z.number(),
                at: z.number(),
              }),
            ),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({
      fleets: deps.discoveryFleets.flagged().map((f) => ({
        id: f.id,
        size: f.accounts.length,
        accounts: f.accounts.slice(0, 50),
        score: f.judgement.score,
        verdict: f.judgement.verdict,
        reasons: f.judgement.reasons,
        asked: f.evidence.asked,
        since: f.since,
        at: f.at,
      })),
    }),
  );

  app.get(
    '/v1/discovery/canary-hits',
    {
      config: { access: { permission: 'discovery.read' } },
      schema: {
        operationId: 'listCanaryHits',
        tags: ['discovery'],
        summary: 'Canary numbers answered “registered”, newest first: who was shown which, and when.',
        querystring: z.object({ limit: limit(500) }).strict(),
        response: {
          200: z.object({
            hits: z.array(
              z.object({
                number: z.string(),
                account: z.string(),
                cohort: z.string(),
                period: z.number(),
                at: z.number(),
                check: z.string(),
              }),
            ),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => ({ hits: await deps.discoveryQueries.canaryHits(request.query.limit ?? 100) }),
  );
}
