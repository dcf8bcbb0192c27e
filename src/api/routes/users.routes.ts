import { z } from 'zod';
import type { Users } from '../../identity/users.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { idParam, limit, password, username, userRole, userSchema, usrId } from '../schemas.js';
import type { App } from '../types.js';

/** Console user administration. */
export function usersRoutes(
  app: App,
  deps: { users: Pick<Users, 'page' | 'create' | 'disable' | 'get' | 'update'> },
): void {
  app.get(
    '/v1/users',
    {
      config: { access: { permission: 'users.read' } },
      schema: {
        operationId: 'listUsers',
        tags: ['users'],
        summary:
          "List console users in creation order, a page at a time (`after` is the previous page's nextCursor).",
        querystring: z
          .object({
            includeDisabled: z.enum(['true', 'false']).optional(),
            after: usrId.optional(),
            limit: limit(200),
          })
          .strict(),
        response: {
          200: z.object({ users: z.array(userSchema), nextCursor: z.string().nullable() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) =>
      deps.users.page({
        includeDisabled: request.query.includeDisabled === 'true',
        after: request.query.after,
        limit: request.query.limit ?? 100,
      }),
  );

  app.get(
    '/v1/users/:id',
    {
      config: { access: { permission: 'users.read' } },
      schema: {
        operationId: 'getUser',
        tags: ['users'],
        summary: 'One console user.',
        params: idParam('usr'),
        response: { 200: z.object({ user: userSchema }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ user: await deps.users.get(request.params.id) }),
  );

  app.post(
    '/v1/users',
    {
      config: { access: { permission: 'users.write' } },
      schema: {
        operationId: 'createUser',
        tags: ['users'],
        summary: 'Create a console user; without a password one is generated and returned once.',
        body: z
          .object({
            username,
            displayName: z.string().min(1).max(128).optional(),
            roles: z.array(userRole).min(1).max(5),
            password: password.optional(),
          })
          .strict(),
        response: {
          201: z.object({ user: userSchema, generatedPassword: z.string().optional() }),
          ...errorResponses(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const created = await deps.users.create({ ...request.body, createdBy: principalOf(request).id });
      return reply.status(201).send(created);
    },
  );

  app.patch(
    '/v1/users/:id',
    {
      config: { access: { permission: 'users.write', people: true } },
      schema: {
        operationId: 'patchUser',
        tags: ['users'],
        summary:
          "Change a user's roles or display name; nobody takes the admin role from themselves, and the last admin keeps it.",
        params: idParam('usr'),
        body: z
          .object({
            displayName: z.string().min(1).max(128).optional(),
            roles: z.array(userRole).min(1).max(5).optional(),
          })
          .strict(),
        response: { 200: z.object({ user: userSchema }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({
      user: await deps.users.update(request.params.id, request.body, principalOf(request).id),
    }),
  );

  app.post(
    '/v1/users/:id/disable',
    {
      config: { access: { permission: 'users.write' } },
      schema: {
        operationId: 'disableUser',
        tags: ['users'],
        summary: 'Disable a user and end their sessions.',
        params: idParam('usr'),
        response: { 200: z.object({ user: userSchema }), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => ({ user: await deps.users.disable(request.params.id, principalOf(request).id) }),
  );
}
