import { z } from 'zod';
import { maxSubjectsPerTicket, type Tickets } from '../../access/tickets.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { ticketSchema } from '../schemas.access.js';
import { limit, subjectId, ticketId, usrId } from '../schemas.js';
import type { App } from '../types.js';

const page = { cursor: z.string().max(64).optional(), limit: limit(200) };
const ticketParams = z.object({ id: ticketId }).strict();
const fields = {
  title: z.string().min(1).max(200).optional(),
  status: z.enum(['open', 'closed']).optional(),
  assigneeId: usrId.nullable().optional(),
  subjects: z.array(subjectId).max(maxSubjectsPerTicket).optional(),
  reporterId: subjectId
    .nullable()
    .optional()
    .describe('The platform user who filed the ticket, if the source system knows.'),
};
const changed = z.object({
  ticket: ticketSchema,
  revokedGrants: z
    .number()
    .describe('Grants this change ended: the ticket closed, reassigned or no longer naming a subject.'),
});

/** The ticket registry the support and abuse systems post to; grants follow their tickets. */
export function ticketsRoutes(
  app: App,
  deps: { tickets: Pick<Tickets, 'post' | 'patch' | 'get' | 'list'> },
): void {
  app.put(
    '/v1/access/tickets/:id',
    {
      config: { access: { permission: 'access.tickets.write' } },
      schema: {
        operationId: 'putTicket',
        tags: ['access'],
        summary:
          'Post a ticket from the support or abuse system. Fields left out keep their values (a new ticket needs title, status, assigneeId and subjects). Closing it, reassigning it or dropping a subject ends the grants it no longer backs.',
        params: ticketParams,
        body: z.object(fields).strict(),
        response: { 200: changed, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { created: _created, ...result } = await deps.tickets.post(
        { id: request.params.id, ...request.body },
        principalOf(request).id,
      );
      return result;
    },
  );

  app.patch(
    '/v1/access/tickets/:id',
    {
      config: { access: { permission: 'access.tickets.write' } },
      schema: {
        operationId: 'patchTicket',
        tags: ['access'],
        summary: 'Change some fields of a known ticket; grants it no longer backs end.',
        params: ticketParams,
        body: z.object(fields).strict(),
        response: { 200: changed, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { created: _created, ...result } = await deps.tickets.patch(
        { id: request.params.id, ...request.body },
        principalOf(request).id,
      );
      return result;
    },
  );

  app.get(
    '/v1/access/tickets',
    {
      config: { access: { permission: 'access.tickets.read' } },
      schema: {
        operationId: 'listTickets',
        tags: ['access'],
        summary:
          'Tickets as Custos knows them, most recently changed first; `next` is the cursor of the next page.',
        querystring: z.object({ ...page, status: z.enum(['open', 'closed']).optional() }).strict(),
        response: {
          200: z.object({ tickets: z.array(ticketSchema), next: z.string().nullable() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => deps.tickets.list({ ...request.query, limit: request.query.limit ?? 50 }),
  );

  app.get(
    '/v1/access/tickets/:id',
    {
      config: { access: { permission: 'access.tickets.read' } },
      schema: {
        operationId: 'getTicket',
        tags: ['access'],
        summary: 'One ticket as Custos knows it.',
        params: ticketParams,
        response: { 200: z.object({ ticket: ticketSchema }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ ticket: await deps.tickets.get(request.params.id) }),
  );
}
