import { z } from 'zod';
import type { GrantRevocations } from '../../access/revocations.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { grantSchema } from '../schemas.access.js';
import { flag, idParam, limit, personOf, usrId } from '../schemas.js';
import type { App } from '../types.js';

/** Grants as people see and revoke them. */
export function grantsRoutes(app: App, deps: { grantRevocations: GrantRevocations }): void {
  app.get(
    '/v1/access/grants',
    {
      config: { access: { permission: 'access.grants.read', people: true } },
      schema: {
        operationId: 'listGrants',
        tags: ['access'],
        summary: 'Grants, newest first: your own, or anyone’s for approvers, analysts, auditors and admins.',
        querystring: z.object({ actor: usrId.optional(), active: flag, limit: limit(200) }).strict(),
        response: { 200: z.object({ grants: z.array(grantSchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      grants: await deps.grantRevocations.list(personOf(principalOf(request)), {
        actorId: request.query.actor,
        active: request.query.active,
        limit: request.query.limit,
      }),
    }),
  );

  app.post(
    '/v1/access/grants/:id/revoke',
    {
      config: { access: { permission: 'access.grants.revoke', people: true } },
      schema: {
        operationId: 'revokeGrant',
        tags: ['access'],
        summary: 'Revoke a grant (its holder, an approver of it, or a security analyst); effective at once.',
        params: idParam('grt'),
        body: z.object({ reason: z.string().min(3).max(500) }).strict(),
        response: { 200: z.object({ grant: grantSchema }), ...errorResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request) => ({
      grant: await deps.grantRevocations.revoke(
        request.params.id,
        personOf(principalOf(request)),
        request.body.reason,
      ),
    }),
  );
}
