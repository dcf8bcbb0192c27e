import { z } from 'zod';
import { operations, purposes } from '../../access/grants.js';
import type { Transparency } from '../../access/transparency.js';
import { errorResponses } from '../errors.js';
import { subjectId } from '../schemas.js';
import type { App } from '../types.js';

const recordProof = z.object({
  recordType: z.string(),
  recordId: z.string(),
  commitment: z.string(),
  index: z.number(),
  entry: z.string(),
  inclusion: z.array(z.string()),
  checkpoint: z.string(),
  batch: z.object({ position: z.number(), count: z.number(), path: z.array(z.string()) }).optional(),
});

const subjectAccesses = z.object({
  subject: z.string(),
  accesses: z.array(
    z.object({
      at: z.number(),
      fields: z.array(z.string()),
      operation: z.enum(operations),
      purpose: z.enum(purposes),
      accessor: z.object({
        pseudonym: z.string(),
        roles: z.array(z.string()),
        team: z.string().nullable(),
      }),
      record: z.object({
        type: z.literal('access.disclosure'),
        id: z.string(),
        canonical: z.string(),
        salt: z.string(),
      }),
      proof: recordProof,
    }),
  ),
  next: z.string().nullable(),
});

/** The end user's "who looked at my data" listing, for the platform to show. */
export function transparencyRoutes(app: App, deps: { transparency: Transparency }): void {
  app.get(
    '/v1/transparency/subjects/:subjectId',
    {
      config: { access: { permission: 'transparency.read' } },
      schema: {
        operationId: 'listSubjectAccesses',
        tags: ['transparency'],
        summary:
          'Every permitted access to one user’s data, newest first: when, which fields, why, a pseudonymous accessor and their role, and a ledger proof of each record.',
        params: z
          .object({
            subjectId,
          })
          .strict(),
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(100).default(50),
            cursor: z.string().max(64).optional(),
          })
          .strict(),
        response: {
          200: subjectAccesses,
          ...errorResponses(400, 401, 403, 503),
        },
      },
    },
    async (request) => {
      const { accesses, next } = await deps.transparency.list(request.params.subjectId, {
        limit: request.query.limit,
        ...(request.query.cursor ? { cursor: request.query.cursor } : {}),
      });
      return { subject: request.params.subjectId, accesses, next };
    },
  );

  // The same listing with the user id in the body, for the console: no personal data in URLs.
  app.post(
    '/v1/transparency/lookup',
    {
      config: { access: { permission: 'transparency.read' } },
      schema: {
        operationId: 'listSubjectAccessesLookup',
        tags: ['transparency'],
        summary:
          'The same listing as GET /v1/transparency/subjects/{subjectId}, with the user id in the body so it stays out of URLs and logs.',
        body: z
          .object({
            subjectId,
            limit: z.number().int().min(1).max(100).default(50),
            cursor: z.string().max(64).optional(),
          })
          .strict(),
        response: { 200: subjectAccesses, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const { subjectId: subject, limit, cursor } = request.body;
      const { accesses, next } = await deps.transparency.list(subject, {
        limit,
        ...(cursor ? { cursor } : {}),
      });
      return { subject, accesses, next };
    },
  );
}
