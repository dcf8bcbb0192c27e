import { z } from 'zod';
import type { AccessCheck } from '../../access/check.js';
import { operations } from '../../access/grants.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { checkResultSchema } from '../schemas.access.js';
import { fieldClass, subjectId, usrId } from '../schemas.js';
import type { App } from '../types.js';

const checkBody = z
  .object({
    actor: usrId.describe('The Custos user id of the engineer whose tool asks.'),
    subject: subjectId.describe('The platform user whose data would be shown.'),
    fields: z.array(fieldClass).min(1).max(50),
    operation: z.enum(operations),
  })
  .strict();

/** The access check internal tools call before showing user data: every check is logged. */
export function checkRoutes(app: App, deps: { accessCheck: AccessCheck }): void {
  app.post(
    '/v1/access/check',
    {
      config: { access: { permission: 'access.check' } },
      schema: {
        operationId: 'checkAccess',
        tags: ['access'],
        summary: 'May this engineer see these fields of this user now? Every check is logged.',
        body: checkBody,
        response: { 200: checkResultSchema, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => deps.accessCheck.check(request.body, principalOf(request).id),
  );

  app.post(
    '/v1/access/check/batch',
    {
      config: { access: { permission: 'access.check' } },
      schema: {
        operationId: 'checkAccessBatch',
        tags: ['access'],
        summary:
          'Up to 100 checks at once, answered in order. All or nothing: if one is invalid, none is run or logged.',
        body: z.object({ checks: z.array(checkBody).min(1).max(100) }).strict(),
        response: {
          200: z.object({ results: z.array(checkResultSchema) }),
          ...errorResponses(400, 401, 403, 503),
        },
      },
    },
    async (request) => ({
      results: await deps.accessCheck.checkMany(request.body.checks, principalOf(request).id),
    }),
  );
}
