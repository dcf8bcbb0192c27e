import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { CustosError } from '../../core/errors.js';
import type { Ledger } from '../../ledger/ledger.js';
import { parseTilePath } from '../../ledger/tiles.js';
import { errorResponses } from '../errors.js';
import { documentedAs } from '../openapi.js';
import type { App } from '../types.js';

// The rest of a ledger file's path, after a route's prefix: at most 200 characters after /ledger/.
const filePath = (prefix: string) => z.object({ '*': z.string().max(200 - prefix.length) });
const tileFile = {
  description: 'The file, which never changes: cached for a year.',
  content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } },
};
const tileIndex = z
  .string()
  .regex(/^(?:x[0-9]{3}[/])*[0-9]{3}(?:[.]p[/][1-9][0-9]{0,2})?$/)
  .describe(
    'The tile index in C2SP path form, with its partial width if any: `x001/x234/067`, `000.p/12`. ' +
      'It spans path segments: tlog-tiles clients send its slashes as they are, and the same file ' +
      'is served with them percent-encoded (`000.p%2F12`).',
  );

/**
 * The log's public files, read-only, exactly in the C2SP tlog-tiles layout under /ledger/, so
 * any tlog-tiles client can read and verify them. They hold commitments, never personal data.
 */
export function ledgerRoutes(
  app: App,
  deps: { ledger: Pick<Ledger, 'blobs' | 'vkey' | 'origin' | 'sizes'> },
): void {
  async function sendFile(path: string, reply: FastifyReply) {
    if (path !== 'checkpoint') {
      try {
        parseTilePath(path);
      } catch {
        throw new CustosError('resource.not_found', 'no such ledger file');
      }
    }
    const data = await deps.ledger.blobs.read(path);
    if (!data) throw new CustosError('resource.not_found', 'no such ledger file');
    // Tiles never change once written (a wider partial tile is a new path); the checkpoint does.
    reply.header('cache-control', path === 'checkpoint' ? 'no-cache' : 'public, max-age=31536000, immutable');
    reply.type(path === 'checkpoint' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
    return reply.send(Buffer.from(data));
  }

  app.get(
    '/ledger/checkpoint',
    {
      config: { access: { public: true } },
      schema: {
        operationId: 'getLedgerCheckpoint',
        tags: ['ledger'],
        summary: 'C2SP tlog-checkpoint: the latest signed checkpoint (cosigned by witnesses when set up).',
        response: {
          200: {
            description: 'The checkpoint, a C2SP signed note.',
            content: { 'text/plain': { schema: z.string() } },
          },
          ...errorResponses(401, 404),
        },
      },
    },
    async (_request, reply) => sendFile('checkpoint', reply),
  );

  // Tile paths span a variable number of segments, so they are wildcard routes, documented under
  // templated paths that OpenAPI can express.
  app.get(
    '/ledger/tile/entries/*',
    {
      config: {
        access: { public: true },
        swaggerTransform: documentedAs('/ledger/tile/entries/:index', z.object({ index: tileIndex })),
      },
      schema: {
        operationId: 'getLedgerEntryBundle',
        tags: ['ledger'],
        summary: 'C2SP tlog-tiles entry bundle `tile/entries/<N>[.p/<W>]`: the log entries of one tile.',
        params: filePath('tile/entries/'),
        response: { 200: tileFile, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => sendFile(`tile/entries/${request.params['*']}`, reply),
  );

  app.get(
    '/ledger/tile/*',
    {
      config: {
        access: { public: true },
        swaggerTransform: documentedAs(
          '/ledger/tile/:level/:index',
          z.object({
            level: z
              .string()
              .regex(/^(?:0|[1-9][0-9]?)$/)
              .describe('The tile level, 0 to 63.'),
            index: tileIndex,
          }),
        ),
      },
      schema: {
        operationId: 'getLedgerTile',
        tags: ['ledger'],
        summary:
          'C2SP tlog-tiles hash tile `tile/<L>/<N>[.p/<W>]`: up to 256 hashes of one level of the tree.',
        params: filePath('tile/'),
        response: { 200: tileFile, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => sendFile(`tile/${request.params['*']}`, reply),
  );

  // Anything else under /ledger/ is no ledger file: answered as before, and not documented.
  app.get(
    '/ledger/*',
    { config: { access: { public: true } }, schema: { hide: true, params: filePath('') } },
    async () => {
      throw new CustosError('resource.not_found', 'no such ledger file');
    },
  );

  app.get(
    '/v1/ledger',
    {
      config: { access: { public: true } },
      schema: {
        operationId: 'getLedgerInfo',
        tags: ['ledger'],
        summary: 'The log origin, its verifier key and its sizes.',
        response: {
          200: z.object({
            origin: z.string(),
            vkey: z.string(),
            sequenced: z.number(),
            integrated: z.number(),
          }),
          ...errorResponses(401, 503),
        },
      },
    },
    async () => ({ origin: deps.ledger.origin, vkey: deps.ledger.vkey, ...deps.ledger.sizes() }),
  );
}
