import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { SwaggerTransform } from '@fastify/swagger';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CustosError } from '../../core/errors.js';
import { idSchema } from '../../core/ids.js';
import type { DiscoveryServices } from '../../discovery/domain.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { describeRoute } from '../openapi.js';
import { idParam, limit, timeIdCursor } from '../schemas.js';
import type { App } from '../types.js';

// Not text/plain: a cross-site form may send that without a preflight; these it may not.
const dumpTypes = ['application/octet-stream', 'text/csv'];

const counts = z.record(z.string(), z.number().int());

const reportSchema = z.object({
  id: idSchema('dat'),
  ledgerIndex: z.number().int().optional().describe('Where the report is on the ledger.'),
  at: z.number(),
  by: z.string().describe('Who ran it.'),
  name: z.string(),
  bytes: z.number().int(),
  scan: z.object({
    lines: z.number().int(),
    parsed: z.number().int(),
    rejected: z.number().int().describe('Lines that were not blank and held no international number.'),
    byCallingCode: counts.describe('Parsed numbers by calling code, exact.'),
    sample: z
      .object({ size: z.number().int(), byCountry: counts, byType: counts })
      .describe('Countries and number types of a uniform sample, from libphonenumber.'),
    canaries: z.number().int().describe('Distinct canary numbers in the dump.'),
    honey: z.number().int().describe('Lines in honey ranges.'),
  }),
  attribution: z.object({
    canaries: z.number().int(),
    explained: z.number().int().describe('Canaries that were answered “registered” to someone.'),
    unexplained: z.array(z.string()).describe('Canaries never answered to anyone (the first 50).'),
    suspects: z
      .array(
        z.object({
          account: z.string(),
          canaries: z.number().int(),
          coverage: z.number().describe('Share of the dump’s canaries this account explains.'),
          cohorts: z.array(z.string()),
          from: z.number(),
          to: z.number(),
          chance: z
            .number()
            .describe(
              'Chance that an account with no part in the dump would explain as many: the smaller, the surer.',
            ),
        }),
      )
      .describe('Accounts the canaries were answered to, most first (the first 200).'),
    cohorts: z.array(
      z.object({
        cohort: z.string(),
        period: z.number(),
        from: z.number(),
        to: z.number(),
        canaries: z.number().int(),
      }),
    ),
    suspectsTotal: z.number().int(),
    cohortsTotal: z.number().int(),
  }),
});

const listRowSchema = z.object({
  id: z.string(),
  at: z.number(),
  by: z.string(),
  name: z.string(),
  bytes: z.number().int(),
  parsed: z.number().int(),
  canaries: z.number().int(),
  explained: z.number().int(),
  suspects: z.number().int(),
  topAccount: z.string().nullable(),
  topCanaries: z.number().int(),
});

const pages = timeIdCursor('dat');

/** The upload's body in the OpenAPI document: the raw dump, which the route streams. */
const documentedDump: SwaggerTransform = (input) => {
  const described = describeRoute(input);
  const schema = { type: 'string', contentMediaType: 'application/octet-stream' };
  return {
    ...described,
    schema: {
      ...described.schema,
      body: {
        description: 'The leaked list, as text or CSV: one number per line.',
        content: Object.fromEntries(dumpTypes.map((type) => [type, { schema }])),
      },
    },
  };
};

/**
 * Writes the request's body to a private temporary file, refusing it once it passes `maxBytes`.
 * A refused body is left to drain rather than destroyed, so the client is answered 413 instead of
 * seeing its connection reset. Returns the file and the directory to remove.
 */
async function spool(body: Readable, maxBytes: number): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'custos-dump-'));
  const file = join(dir, 'dump');
  try {
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(file, { mode: 0o600 });
      let bytes = 0;
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('error', fail);
        // Flowing with no listener: the rest is read and dropped.
        body.resume();
        out.destroy();
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxBytes) {
          fail(
            new CustosError(
              'request.too_large',
              `a dump may be at most ${maxBytes} bytes (discovery.dumpMaxBytes)`,
            ),
          );
        } else if (!out.write(chunk)) {
          body.pause();
          out.once('drain', () => body.resume());
        }
      };
      const onEnd = () => out.end();
      out.on('finish', () => {
        if (!failed) resolve();
      });
      out.on('error', fail);
      body.on('data', onData);
      body.on('end', onEnd);
      body.on('error', fail);
    });
    return { dir, file };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Leak attribution from the console: upload a dump, read the reports recorded. */
export function discoveryAttributionRoutes(
  app: App,
  deps: Pick<DiscoveryServices, 'discoveryAttribution'> & { dumpMaxBytes: number },
): void {
  app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<ZodTypeProvider>();
    // Only here: the dump arrives as a stream, never parsed or held whole.
    scope.addContentTypeParser(dumpTypes, (_request, payload, done) => done(null, payload));

    scope.post(
      '/v1/discovery/attributions',
      {
        config: { access: { permission: 'discovery.attribute' }, swaggerTransform: documentedDump },
        schema: {
          operationId: 'createDiscoveryAttribution',
          tags: ['discovery'],
          summary:
            'Upload a leaked list of numbers; its canaries are traced to the accounts they were answered to, and the report is recorded on the ledger.',
          querystring: z
            .object({
              name: z
                .string()
                .min(1)
                .max(200)
                .regex(/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u, 'expected letters, digits, punctuation and spaces')
                .describe('What the dump is called, e.g. its file name.'),
            })
            .strict(),
          response: { 201: reportSchema, ...errorResponses(400, 401, 403, 409, 413, 415, 503) },
        },
      },
      async (request, reply) => {
        if (!(request.body instanceof Readable)) {
          throw new CustosError(
            'request.unsupported_media_type',
            `send the dump as ${dumpTypes.join(' or ')}`,
          );
        }
        const declared = Number(request.headers['content-length'] ?? 0);
        if (declared > deps.dumpMaxBytes) {
          throw new CustosError(
            'request.too_large',
            `a dump may be at most ${deps.dumpMaxBytes} bytes (discovery.dumpMaxBytes)`,
          );
        }
        const { dir, file } = await spool(request.body, deps.dumpMaxBytes);
        try {
          const report = await deps.discoveryAttribution.run({
            file,
            name: request.query.name,
            by: principalOf(request).id,
          });
          return reply.code(201).send(report);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    );
  });

  app.get(
    '/v1/discovery/attributions',
    {
      config: { access: { permission: 'discovery.read' } },
      schema: {
        operationId: 'listDiscoveryAttributions',
        tags: ['discovery'],
        summary: 'Attribution reports, newest first.',
        querystring: z.object({ cursor: z.string().max(128).optional(), limit: limit(200) }).strict(),
        response: {
          200: z.object({ reports: z.array(listRowSchema), next: z.string().nullable() }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { cursor } = request.query;
      const page = await deps.discoveryAttribution.list({
        limit: request.query.limit ?? 50,
        ...(cursor ? { before: pages.parse(cursor) } : {}),
      });
      return { reports: page.rows, next: page.next ? pages.text(page.next.at, page.next.id) : null };
    },
  );

  app.get(
    '/v1/discovery/attributions/:id',
    {
      config: { access: { permission: 'discovery.read' } },
      schema: {
        operationId: 'getDiscoveryAttribution',
        tags: ['discovery'],
        summary: 'One attribution report as the ledger holds it.',
        params: idParam('dat'),
        response: { 200: reportSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => deps.discoveryAttribution.get(request.params.id),
  );
}
