import { z } from 'zod';
import type { BreakGlassService } from '../../access/breakglass.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { breakGlassSchema, grantSchema } from '../schemas.access.js';
import { fieldClass, flag, idParam, limit, personOf, subjectId, ticketId } from '../schemas.js';
import type { App } from '../types.js';
import { grantDuration } from './requests.routes.js';

/** Break-glass: emergency access for engineers on call, and security's review of it. */
export function breakGlassRoutes(app: App, deps: { breakGlass: BreakGlassService }): void {
  app.post(
    '/v1/access/break-glass',
    {
      config: { access: { permission: 'access.breakglass.use', people: true } },
      schema: {
        operationId: 'breakGlass',
        tags: ['access'],
        summary:
          'On call: self-issue a short emergency read grant. Security is notified at once; each person has a small allowance per on-call window.',
        body: z
          .object({
            subjects: z.array(subjectId).min(1).max(100),
            fields: z.array(fieldClass).min(1).max(50),
            duration: grantDuration,
            reason: z.string().min(20).max(2000),
            incident: ticketId.optional().describe('The incident or ticket the emergency is about.'),
          })
          .strict(),
        response: {
          201: z.object({ breakGlass: breakGlassSchema, grant: grantSchema, ledgerIndex: z.number() }),
          ...errorResponses(400, 401, 403, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { duration, ...rest } = request.body;
      const used = await deps.breakGlass.use(
        { ...rest, durationMs: duration },
        personOf(principalOf(request)),
      );
      return reply.code(201).send(used);
    },
  );

  app.get(
    '/v1/access/break-glass',
    {
      config: { access: { permission: 'access.breakglass.read', people: true } },
      schema: {
        operationId: 'listBreakGlassUses',
        tags: ['access'],
        summary: 'Break-glass uses, newest first: your own, or everyone’s for analysts, auditors and admins.',
        querystring: z.object({ pending: flag, limit: limit(200) }).strict(),
        response: { 200: z.object({ uses: z.array(breakGlassSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ uses: await deps.breakGlass.list(personOf(principalOf(request)), request.query) }),
  );

  app.post(
    '/v1/access/break-glass/:id/review',
    {
      config: { access: { permission: 'access.breakglass.review', people: true } },
      schema: {
        operationId: 'reviewBreakGlass',
        tags: ['access'],
        summary: 'Security review of a break-glass use; rejecting revokes its grant and escalates.',
        params: idParam('bgl'),
        body: z
          .object({ outcome: z.enum(['confirmed', 'rejected']), comment: z.string().min(3).max(2000) })
          .strict(),
        response: {
          200: z.object({ breakGlass: breakGlassSchema }),
          ...errorResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request) => ({
      breakGlass: await deps.breakGlass.review(
        request.params.id,
        personOf(principalOf(request)),
        request.body,
      ),
    }),
  );
}
