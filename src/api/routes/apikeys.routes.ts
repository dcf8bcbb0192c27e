import { z } from 'zod';
import { roleNames } from '../../core/config.js';
import type { ApiKeys } from '../../identity/apikeys.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { apiKeySchema, idParam } from '../schemas.js';
import type { App } from '../types.js';

/** API keys for platform services. */
export function apiKeysRoutes(
  app: App,
  deps: { apiKeys: Pick<ApiKeys, 'list' | 'create' | 'revoke'> },
): void {
  app.get(
    '/v1/apikeys',
    {
      config: { access: { permission: 'apikeys.read' } },
      schema: {
        operationId: 'listApiKeys',
        tags: ['apikeys'],
        summary: 'List API keys (never their secrets).',
        querystring: z.object({ includeRevoked: z.enum(['true', 'false']).optional() }).strict(),
        response: { 200: z.object({ apiKeys: z.array(apiKeySchema) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      apiKeys: await deps.apiKeys.list({ includeRevoked: request.query.includeRevoked === 'true' }),
    }),
  );

  app.post(
    '/v1/apikeys',
    {
      config: { access: { permission: 'apikeys.write' } },
      schema: {
        operationId: 'createApiKey',
        tags: ['apikeys'],
        summary: 'Create an API key; the token in the response is shown only this once.',
        body: z
          .object({
            name: z.string().min(1).max(64),
            roles: z.array(z.enum(roleNames)).min(1).max(6).optional(),
            scopes: z.array(z.string().min(1).max(64)).min(1).max(64).optional(),
            expiresAt: z.number().int().positive().optional(),
          })
          .strict(),
        response: {
          201: z.object({ apiKey: apiKeySchema, token: z.string() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const created = await deps.apiKeys.create({ ...request.body, createdBy: principalOf(request).id });
      return reply.status(201).send(created);
    },
  );

  app.post(
    '/v1/apikeys/:id/revoke',
    {
      config: { access: { permission: 'apikeys.write' } },
      schema: {
        operationId: 'revokeApiKey',
        tags: ['apikeys'],
        summary: 'Revoke an API key; effective on its next use.',
        params: idParam('key'),
        response: { 200: z.object({ apiKey: apiKeySchema }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ apiKey: await deps.apiKeys.revoke(request.params.id, principalOf(request).id) }),
  );
}
