import { z } from 'zod';
import { maxDurationByTier, maxSubjectsPerGrant, operations, purposes } from '../../access/grants.js';
import { type AccessRequests, requestStatuses } from '../../access/requests.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { grantSchema, requestPreviewSchema, requestSchema } from '../schemas.access.js';
import { durationText, fieldClass, flag, idParam, limit, personOf, subjectId, ticketId } from '../schemas.js';
import type { App } from '../types.js';

const longest = Math.max(...Object.values(maxDurationByTier));
export const grantDuration = durationText(longest, 'a grant lasts at most 7 days');
const requestFields = {
  purpose: z.enum(purposes),
  ticketId,
  subjects: z.array(subjectId).min(1).max(maxSubjectsPerGrant),
  fields: z.array(fieldClass).min(1).max(50),
  operations: z.array(z.enum(operations)).min(1).max(2),
  duration: grantDuration,
};
const decided = z.object({ request: requestSchema, grant: grantSchema.nullable(), ledgerIndex: z.number() });

/** Access requests and decisions on them. */
export function requestsRoutes(app: App, deps: { accessRequests: AccessRequests }): void {
  app.post(
    '/v1/access/requests',
    {
      config: { access: { permission: 'access.requests.create', people: true } },
      schema: {
        operationId: 'createAccessRequest',
        tags: ['access'],
        summary: 'Ask for time-bound access to named users’ data, on a ticket, for a purpose.',
        body: z.object({ ...requestFields, justification: z.string().min(10).max(2000) }).strict(),
        response: { 201: decided, ...errorResponses(400, 401, 403, 409, 503) },
      },
    },
    async (request, reply) => {
      const { duration, ...rest } = request.body;
      const created = await deps.accessRequests.create(
        { ...rest, durationMs: duration },
        personOf(principalOf(request)),
      );
      return reply.code(201).send(created);
    },
  );

  app.post(
    '/v1/access/requests/preview',
    {
      config: { access: { permission: 'access.requests.create', people: true } },
      schema: {
        operationId: 'checkAccessRequest',
        tags: ['access'],
        summary:
          'What creating this request would answer, before submitting: refused (and why), granted by policy, or how many approvals it needs and from whom. Writes nothing.',
        body: z.object({ ...requestFields, justification: z.string().max(2000).optional() }).strict(),
        response: { 200: requestPreviewSchema, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { duration, ...rest } = request.body;
      return deps.accessRequests.preview({ ...rest, durationMs: duration }, personOf(principalOf(request)));
    },
  );

  app.get(
    '/v1/access/requests',
    {
      config: { access: { permission: 'access.requests.read', people: true } },
      schema: {
        operationId: 'listAccessRequests',
        tags: ['access'],
        summary: 'Requests, newest first: your own, or all for approvers, analysts, auditors and admins.',
        querystring: z
          .object({ status: z.enum(requestStatuses).optional(), mine: flag, limit: limit(200) })
          .strict(),
        response: { 200: z.object({ requests: z.array(requestSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      requests: await deps.accessRequests.list(personOf(principalOf(request)), request.query),
    }),
  );

  app.get(
    '/v1/access/requests/:id',
    {
      config: { access: { permission: 'access.requests.read', people: true } },
      schema: {
        operationId: 'getAccessRequest',
        tags: ['access'],
        summary: 'One request with its approvals and the policy decision on it.',
        params: idParam('req'),
        response: { 200: z.object({ request: requestSchema }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      request: await deps.accessRequests.get(request.params.id, personOf(principalOf(request))),
    }),
  );

  app.post(
    '/v1/access/requests/:id/decisions',
    {
      // Open to every person who can see requests: whether they may decide is the approval
      // policies' answer, and a refused attempt is recorded on the ledger whatever their role.
      config: { access: { permission: 'access.requests.read', people: true } },
      schema: {
        operationId: 'decideAccessRequest',
        tags: ['access'],
        summary:
          'Approve or reject a pending request; the grant is issued once the policies are satisfied. Refused attempts are logged.',
        params: idParam('req'),
        body: z
          .object({ decision: z.enum(['approve', 'reject']), comment: z.string().max(2000).default('') })
          .strict(),
        response: { 200: decided, ...errorResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) =>
      deps.accessRequests.decide(request.params.id, personOf(principalOf(request)), {
        decision: request.body.decision,
        comment: request.body.comment,
      }),
  );

  app.post(
    '/v1/access/requests/:id/cancel',
    {
      config: { access: { permission: 'access.requests.create', people: true } },
      schema: {
        operationId: 'cancelAccessRequest',
        tags: ['access'],
        summary: 'Withdraw your own pending request.',
        params: idParam('req'),
        response: {
          200: z.object({ request: requestSchema }),
          ...errorResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request) => ({
      request: await deps.accessRequests.cancel(request.params.id, personOf(principalOf(request))),
    }),
  );
}
