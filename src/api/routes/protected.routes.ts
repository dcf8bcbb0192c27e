import { z } from 'zod';
import { type ProtectedSubjects, protectedCategories } from '../../access/protected.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { protectedSchema } from '../schemas.access.js';
import { limit, subjectId } from '../schemas.js';
import type { App } from '../types.js';

const protectedParams = z.object({ subjectId }).strict();

/** The protected-subject list: users whose data needs stronger approval. */
export function protectedRoutes(app: App, deps: { protectedSubjects: ProtectedSubjects }): void {
  app.put(
    '/v1/access/protected-subjects/:subjectId',
    {
      config: { access: { permission: 'access.protected.write' } },
      schema: {
        operationId: 'protectSubject',
        tags: ['access'],
        summary: 'Put a user on the protected list: their data then needs stronger approval.',
        params: protectedParams,
        body: z.object({ category: z.enum(protectedCategories) }).strict(),
        response: { 200: z.object({ subject: protectedSchema }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      subject: await deps.protectedSubjects.put(
        request.params.subjectId,
        request.body.category,
        principalOf(request).id,
      ),
    }),
  );

  app.get(
    '/v1/access/protected-subjects',
    {
      config: { access: { permission: 'access.protected.read' } },
      schema: {
        operationId: 'listProtectedSubjects',
        tags: ['access'],
        summary:
          'The protected list, newest first. The cursor (`next`) holds no user id, so paging never puts one in a URL.',
        querystring: z.object({ cursor: z.string().max(32).optional(), limit: limit(200) }).strict(),
        response: {
          200: z.object({ subjects: z.array(protectedSchema), next: z.string().nullable() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => deps.protectedSubjects.list({ ...request.query, limit: request.query.limit ?? 50 }),
  );

  app.get(
    '/v1/access/protected-subjects/:subjectId',
    {
      config: { access: { permission: 'access.protected.read' } },
      schema: {
        operationId: 'getProtectedSubject',
        tags: ['access'],
        summary: 'Whether a user is on the protected list.',
        params: protectedParams,
        response: { 200: z.object({ subject: protectedSchema }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ subject: await deps.protectedSubjects.get(request.params.subjectId) }),
  );

  app.delete(
    '/v1/access/protected-subjects/:subjectId',
    {
      config: { access: { permission: 'access.protected.write' } },
      schema: {
        operationId: 'unprotectSubject',
        tags: ['access'],
        summary: 'Take a user off the protected list.',
        params: protectedParams,
        response: { 204: z.null(), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deps.protectedSubjects.remove(request.params.subjectId);
      return reply.code(204).send(null);
    },
  );
}
