import { z } from 'zod';
import { CustosError } from '../../core/errors.js';
import type { Ledger } from '../../ledger/ledger.js';
import { parseTilePath } from '../../ledger/tiles.js';
import { errorResponses } from '../errors.js';
import type { App } from '../types.js';

/**
 * The log's public files, read-only, exactly in the C2SP tlog-tiles layout under /ledger/, so
 * any tlog-tiles client can read and verify them. They hold commitments, never personal data.
 */
export function ledgerRoutes(
  app: App,
  deps: { ledger: Pick<Ledger, 'blobs' | 'vkey' | 'origin' | 'sizes'> },
): void {
  app.get(
    '/ledger/*',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['ledger'],
        summary: 'C2SP tlog-tiles: `checkpoint`, `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`.',
        params: z.object({ '*': z.string().max(200) }),
      },
    },
    async (request, reply) => {
      const path = request.params['*'];
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
      reply.header(
        'cache-control',
        path === 'checkpoint' ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
      reply.type(path === 'checkpoint' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
      return reply.send(Buffer.from(data));
    },
  );

  app.get(
    '/v1/ledger',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['ledger'],
        summary: 'The log origin, its verifier key and its sizes.',
        response: {
          200: z.object({
            origin: z.string(),
            vkey: z.string(),
            sequenced: z.number(),
            integrated: z.number(),
          }),
          ...errorResponses(503),
        },
      },
    },
    async () => ({ origin: deps.ledger.origin, vkey: deps.ledger.vkey, ...deps.ledger.sizes() }),
  );
}
