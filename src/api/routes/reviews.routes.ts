import { z } from 'zod';
import type { AccessReviews } from '../../access/reviews.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { durationText, idParam, usrId } from '../schemas.js';
import type { App } from '../types.js';

const itemSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  kind: z.enum(['grant', 'role', 'apikey']),
  target: z.string(),
  holderId: z.string(),
  description: z.string(),
  reviewerId: z.string().nullable(),
  decision: z.enum(['confirm', 'revoke', 'expired']).nullable(),
  comment: z.string().nullable(),
  decidedAt: z.number().nullable(),
  outcome: z.string().nullable(),
});
const campaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdBy: z.string(),
  createdAt: z.number(),
  deadline: z.number(),
  grantsLongerThanMs: z.number().nullable(),
  includeRoles: z.boolean(),
  status: z.enum(['open', 'closed']),
  closedAt: z.number().nullable(),
});
const tally = z.object({
  items: z.number(),
  confirmed: z.number(),
  revoked: z.number(),
  expired: z.number(),
  pending: z.number(),
});
const reportSchema = z.object({
  campaign: campaignSchema,
  totals: tally,
  byKind: z.record(z.string(), tally),
  byReviewer: z.array(
    z.object({ reviewerId: z.string().nullable(), assigned: z.number(), decided: z.number() }),
  ),
  items: z.array(itemSchema),
});
const campaignParams = idParam('rvw');
const itemParams = idParam('rvi');

/** Access review campaigns, reviewers' queues and decisions, and campaign reports. */
export function reviewsRoutes(app: App, deps: { accessReviews: AccessReviews }): void {
  app.post(
    '/v1/access/reviews',
    {
      config: { access: { permission: 'access.reviews.manage', people: true } },
      schema: {
        operationId: 'createAccessReview',
        tags: ['access'],
        summary: 'Start a review campaign over standing roles, service keys and long grants.',
        body: z
          .object({
            name: z.string().min(3).max(200),
            duration: durationText(90 * 86_400_000, 'a campaign runs at most 90 days'),
            grantsLongerThan: durationText(
              7 * 86_400_000,
              'at most 7d, the longest a grant lasts',
            ).optional(),
            includeRoles: z.boolean().default(true),
            reviewers: z.array(usrId).min(1).max(50),
          })
          .strict(),
        response: { 201: reportSchema, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request, reply) => {
      const { duration: durationMs, grantsLongerThan, ...rest } = request.body;
      const created = await deps.accessReviews.create(
        { ...rest, durationMs, grantsLongerThanMs: grantsLongerThan },
        { id: principalOf(request).id, roles: principalOf(request).roles },
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/v1/access/reviews',
    {
      config: { access: { permission: 'access.reviews.read' } },
      schema: {
        operationId: 'listAccessReviews',
        tags: ['access'],
        summary: 'Review campaigns, newest first.',
        response: { 200: z.object({ campaigns: z.array(campaignSchema) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ campaigns: await deps.accessReviews.list() }),
  );

  app.get(
    '/v1/access/reviews/:id/report',
    {
      config: { access: { permission: 'access.reviews.read' } },
      schema: {
        operationId: 'getAccessReviewReport',
        tags: ['access'],
        summary: 'What a campaign reviewed and what happened to each item.',
        params: campaignParams,
        response: { 200: reportSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => deps.accessReviews.report(request.params.id),
  );

  app.get(
    '/v1/access/review-items',
    {
      config: { access: { permission: 'access.reviews.decide', people: true } },
      schema: {
        operationId: 'listReviewItems',
        tags: ['access'],
        summary: 'The review items assigned to you.',
        querystring: z
          .object({
            pending: z
              .enum(['true', 'false'])
              .optional()
              .transform((v) => v !== 'false'),
          })
          .strict(),
        response: { 200: z.object({ items: z.array(itemSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      items: await deps.accessReviews.assignedTo(principalOf(request).id, request.query.pending),
    }),
  );

  app.post(
    '/v1/access/review-items/:id/decision',
    {
      config: { access: { permission: 'access.reviews.decide', people: true } },
      schema: {
        operationId: 'decideReviewItem',
        tags: ['access'],
        summary: 'Confirm or revoke one privilege assigned to you for review.',
        params: itemParams,
        body: z
          .object({ decision: z.enum(['confirm', 'revoke']), comment: z.string().max(2000).default('') })
          .strict(),
        response: { 200: z.object({ item: itemSchema }), ...errorResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => ({
      item: await deps.accessReviews.decide(
        request.params.id,
        { id: principalOf(request).id, roles: principalOf(request).roles },
        request.body,
      ),
    }),
  );
}
