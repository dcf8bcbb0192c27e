import { z } from 'zod';
import type { Catalog } from '../../access/catalog.js';
import type { AccessCheck } from '../../access/check.js';
import type { Employees } from '../../access/employees.js';
import { operations } from '../../access/grants.js';
import { maxSubjectsPerTicket, type Tickets, ticketIdPattern } from '../../access/tickets.js';
import { CustosError } from '../../core/errors.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import type { App } from '../types.js';

const checkBody = z
  .object({
    actor: z.string().regex(/^usr_[0-9A-HJKMNP-TV-Z]{26}$/, 'expected the engineer’s usr_ id'),
    subject: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:@+-]+$/, 'expected a platform user id'),
    fields: z.array(z.string().min(1).max(64)).min(1).max(50),
    operation: z.enum(operations),
  })
  .strict();

const reason = z.object({ code: z.string(), message: z.string() });
const checkResult = z.object({
  checkId: z.string(),
  decision: z.enum(['permit', 'deny']),
  grantId: z.string().optional(),
  fields: z.object({ permitted: z.array(z.string()), masked: z.array(z.string()) }),
  reasons: z.array(reason),
  ledgerIndex: z.number(),
});

/** The data catalog and the access check internal tools call before showing user data. */
const subjectId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:@+-]+$/, 'expected a platform user id');
const ticketParams = z.object({ id: z.string().regex(ticketIdPattern, 'expected a ticket id') }).strict();
const ticketSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['open', 'closed']),
  assigneeId: z.string().nullable(),
  subjects: z.array(z.string()),
  reporterId: z.string().nullable(),
  postedBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  closedAt: z.number().nullable(),
});

export function accessRoutes(
  app: App,
  deps: {
    catalog: Catalog;
    accessCheck: AccessCheck;
    tickets: Pick<Tickets, 'post' | 'get'>;
    employees: Pick<Employees, 'put' | 'get'>;
  },
): void {
  const userIdParam = z
    .object({ userId: z.string().regex(/^usr_[0-9A-HJKMNP-TV-Z]{26}$/, 'expected a usr_ id') })
    .strict();
  const employeeSchema = z.object({
    userId: z.string(),
    platformUserId: z.string().nullable(),
    managerId: z.string().nullable(),
    team: z.string().nullable(),
    onCallUntil: z.number().nullable(),
  });

  app.put(
    '/v1/access/employees/:userId',
    {
      config: { access: { permission: 'access.employees.write' } },
      schema: {
        tags: ['access'],
        summary: 'Record an engineer’s own platform account, manager and team (from the directory sync).',
        params: userIdParam,
        body: z
          .object({
            platformUserId: subjectId.nullable(),
            managerId: z
              .string()
              .regex(/^usr_[0-9A-HJKMNP-TV-Z]{26}$/)
              .nullable(),
            team: z.string().min(1).max(64).nullable(),
            onCallUntil: z
              .number()
              .int()
              .min(0)
              .nullable()
              .optional()
              .describe(
                'On call until this time (ms since the epoch), from the paging system; null when not.',
              ),
          })
          .strict(),
        response: { 200: z.object({ employee: employeeSchema }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      employee: await deps.employees.put({ userId: request.params.userId, ...request.body }),
    }),
  );

  app.get(
    '/v1/access/employees/:userId',
    {
      config: { access: { permission: 'access.employees.read' } },
      schema: {
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

  app.put(
    '/v1/access/tickets/:id',
    {
      config: { access: { permission: 'access.tickets.write' } },
      schema: {
        tags: ['access'],
        summary: 'Post a ticket from the support or abuse system; closing one revokes the grants citing it.',
        params: ticketParams,
        body: z
          .object({
            title: z.string().min(1).max(200),
            status: z.enum(['open', 'closed']),
            assigneeId: z
              .string()
              .regex(/^usr_[0-9A-HJKMNP-TV-Z]{26}$/)
              .nullable(),
            subjects: z.array(subjectId).max(maxSubjectsPerTicket),
            reporterId: subjectId
              .nullable()
              .optional()
              .describe('The platform user who filed the ticket, if the source system knows.'),
          })
          .strict(),
        response: {
          200: z.object({ ticket: ticketSchema, revokedGrants: z.number() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => deps.tickets.post({ id: request.params.id, ...request.body }, principalOf(request).id),
  );

  app.get(
    '/v1/access/tickets/:id',
    {
      config: { access: { permission: 'access.tickets.read' } },
      schema: {
        tags: ['access'],
        summary: 'One ticket as Custos knows it.',
        params: ticketParams,
        response: { 200: z.object({ ticket: ticketSchema }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ ticket: await deps.tickets.get(request.params.id) }),
  );

  app.get(
    '/v1/access/catalog',
    {
      config: { access: { permission: 'access.catalog.read' } },
      schema: {
        tags: ['access'],
        summary: 'The field classes of user data, with their sensitivity tiers.',
        response: {
          200: z.object({
            fieldClasses: z.array(z.object({ name: z.string(), tier: z.number(), description: z.string() })),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ fieldClasses: deps.catalog.list() }),
  );

  app.post(
    '/v1/access/check',
    {
      config: { access: { permission: 'access.check' } },
      schema: {
        tags: ['access'],
        summary: 'May this engineer see these fields of this user now? Every check is logged.',
        body: checkBody,
        response: { 200: checkResult, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => deps.accessCheck.check(request.body, principalOf(request).id),
  );

  app.post(
    '/v1/access/check/batch',
    {
      config: { access: { permission: 'access.check' } },
      schema: {
        tags: ['access'],
        summary: 'Up to 100 checks at once, answered in order.',
        body: z.object({ checks: z.array(checkBody).min(1).max(100) }).strict(),
        response: { 200: z.object({ results: z.array(checkResult) }), ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const caller = principalOf(request).id;
      return {
        results: await Promise.all(request.body.checks.map((check) => deps.accessCheck.check(check, caller))),
      };
    },
  );
}
