import { z } from 'zod';
import type { Employees } from '../../access/employees.js';
import { CustosError } from '../../core/errors.js';
import { errorResponses } from '../errors.js';
import { employeeSchema } from '../schemas.access.js';
import { limit, subjectId, usrId } from '../schemas.js';
import type { App } from '../types.js';

// Every field may be left out, and then keeps its value; only an explicit null clears one.
const change = {
  platformUserId: subjectId
    .nullable()
    .optional()
    .describe('The engineer’s own platform account; null if they have none. Left out: unchanged.'),
  managerId: usrId
    .nullable()
    .optional()
    .describe('Their manager’s Custos user id; null for none. Left out: unchanged.'),
  team: z
    .string()
    .min(1)
    .max(64)
    .nullable()
    .optional()
    .describe('Their team; null for none. Left out: unchanged.'),
  onCallUntil: z
    .number()
    .int()
    .min(0)
    .nullable()
    .optional()
    .describe(
      'On call until this time (ms since the epoch), from the paging system; null when not; at most access.employees.maxOnCallAhead ahead. Left out: unchanged.',
    ),
};
const page = { cursor: z.string().max(64).optional(), limit: limit(200) };
const userIdParam = z.object({ userId: usrId }).strict();
// A directory sync of tens of thousands of people is a few megabytes of JSON.
const syncBodyLimit = 16 * 1024 * 1024;

/** The employee registry: the directory sync and the paging system write it. */
export function employeesRoutes(
  app: App,
  deps: { employees: Pick<Employees, 'put' | 'patch' | 'get' | 'sync' | 'list'> },
): void {
  app.put(
    '/v1/access/employees/:userId',
    {
      config: { access: { permission: 'access.employees.write' } },
      schema: {
        operationId: 'putEmployee',
        tags: ['access'],
        summary:
          'Record an engineer’s own platform account, manager, team and on-call time; fields left out keep their values.',
        params: userIdParam,
        body: z.object(change).strict(),
        response: {
          200: z.object({ employee: employeeSchema, created: z.boolean() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => deps.employees.put({ userId: request.params.userId, ...request.body }),
  );

  app.patch(
    '/v1/access/employees/:userId',
    {
      config: { access: { permission: 'access.employees.write' } },
      schema: {
        operationId: 'patchEmployee',
        tags: ['access'],
        summary:
          'Change some fields of an existing registry entry (e.g. onCallUntil from the paging system).',
        params: userIdParam,
        body: z.object(change).strict(),
        response: { 200: z.object({ employee: employeeSchema }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({
      employee: await deps.employees.patch({ userId: request.params.userId, ...request.body }),
    }),
  );

  app.get(
    '/v1/access/employees',
    {
      config: { access: { permission: 'access.employees.read' } },
      schema: {
        operationId: 'listEmployees',
        tags: ['access'],
        summary: 'Employee registry entries by user id; `next` is the cursor of the next page.',
        querystring: z.object(page).strict(),
        response: {
          200: z.object({ employees: z.array(employeeSchema), next: z.string().nullable() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => deps.employees.list({ ...request.query, limit: request.query.limit ?? 50 }),
  );

  app.get(
    '/v1/access/employees/:userId',
    {
      config: { access: { permission: 'access.employees.read' } },
      schema: {
        operationId: 'getEmployee',
        tags: ['access'],
        summary: 'One engineer’s registry entry.',
        params: userIdParam,
        response: { 200: z.object({ employee: employeeSchema }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const employee = await deps.employees.get(request.params.userId);
      if (!employee) throw new CustosError('resource.not_found', 'no such employee entry');
      return { employee };
    },
  );

  app.post(
    '/v1/access/employees/sync',
    {
      bodyLimit: syncBodyLimit,
      config: { access: { permission: 'access.employees.write' } },
      schema: {
        operationId: 'syncEmployees',
        tags: ['access'],
        summary:
          'A directory sync: many entries at once, each as in PUT (fields left out keep their values). Checked whole before anything is written.',
        body: z
          .object({
            employees: z
              .array(z.object({ userId: usrId, ...change }).strict())
              .min(1)
              .max(200_000),
          })
          .strict(),
        response: {
          200: z.object({ created: z.number(), updated: z.number(), unchanged: z.number() }),
          ...errorResponses(400, 401, 403, 413),
        },
      },
    },
    async (request) => deps.employees.sync(request.body.employees),
  );
}
