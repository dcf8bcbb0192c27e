import { z } from 'zod';
import { CustosError } from '../../core/errors.js';
import { idSchema } from '../../core/ids.js';
import type { DiscoveryServices } from '../../discovery/domain.js';
import { discoveryModes, discoveryVerdicts } from '../../discovery/types.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import { subjectId } from '../schemas.js';
import type { App } from '../types.js';

const token = (max: number, what: string) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x21-\x7e]+$/, `expected printable ASCII without spaces for ${what}`);

const reasonSchema = z.object({
  code: z.string(),
  message: z.string(),
  contribution: z.number().optional().describe('Points this signal adds to the enumeration score.'),
});

const decisionSchema = z.object({
  id: idSchema('dch').describe(
    'The check’s id; a decision other than allow is on the ledger as `discovery.decision`.',
  ),
  decision: z.enum(discoveryVerdicts),
  allowed: z
    .array(z.number().int().min(0))
    .describe('Indexes of the numbers that may be answered truthfully, ascending.'),
  canaries: z
    .array(z.number().int().min(0))
    .describe(
      'Indexes of canary numbers to answer “registered” with a decoy profile, ascending (empty unless discovery.canaries is set).',
    ),
  retryAfter: z.number().int().min(0).optional().describe('Seconds until more numbers could be answered.'),
  reasons: z.array(reasonSchema),
  score: z
    .number()
    .describe(
      'The enumeration score: the sum of the signals’ points; 0 when nothing looks like enumeration.',
    ),
  counts: z.object({
    numbers: z.number().int(),
    invalid: z.number().int(),
    duplicates: z.number().int(),
    new: z.number().int().describe('Numbers this account had never looked up: what the quota charges.'),
    known: z.number().int(),
  }),
  quotaRemaining: z.number().int().describe('New numbers the account may still look up now.'),
});

/** The contact-discovery guard: the platform's check and results calls. */
export function discoveryRoutes(app: App, deps: DiscoveryServices & { batchMax: number }): void {
  app.post(
    '/v1/discovery/check',
    {
      config: { access: { permission: 'discovery.check' } },
      schema: {
        operationId: 'checkContactDiscovery',
        tags: ['discovery'],
        summary:
          'Which numbers of this address-book sync may be answered truthfully? Charges the shared limits and the account’s new-number quota.',
        body: z
          .object({
            account: subjectId,
            device: token(128, 'the device id'),
            ip: z.string().min(1).max(100).describe('The client’s IPv4 or IPv6 address.'),
            asn: z.number().int().min(0).max(4_294_967_295).optional(),
            phone: z
              .string()
              .max(32)
              .optional()
              .describe('The account’s own number, E.164: address books are mostly in its country.'),
            // Entries are bounded but not shaped: a malformed one is counted in the answer, not a 400.
            numbers: z
              .array(z.string().max(100))
              .min(1)
              .max(100_000)
              .describe(
                `E.164 numbers, or 64-hex-digit keyed hashes; at most ${deps.batchMax} (discovery.batchMax; more is refused with 413).`,
              ),
            mode: z.enum(discoveryModes),
            time: z
              .number()
              .int()
              .min(0)
              .max(8_640_000_000_000_000)
              .optional()
              .describe('When the sync was made, ms since the epoch; now by default.'),
            registered: z
              .array(z.boolean())
              .max(100_000)
              .optional()
              .describe('Whether each number is registered, when the platform already knows (same order).'),
          })
          .strict(),
        response: { 200: decisionSchema, ...errorResponses(400, 401, 403, 413, 503) },
      },
    },
    async (request) => {
      const decided = await deps.discoveryCheck.check(request.body, principalOf(request).id);
      const { retryAfterMs, ...rest } = decided;
      return {
        ...rest,
        ...(retryAfterMs !== undefined ? { retryAfter: Math.ceil(retryAfterMs / 1000) } : {}),
      };
    },
  );

  app.post(
    '/v1/discovery/results',
    {
      config: { access: { permission: 'discovery.check' } },
      schema: {
        operationId: 'reportDiscoveryResults',
        tags: ['discovery'],
        summary:
          'How many of the numbers a check allowed turned out registered: the hit rate the guard watches.',
        body: z
          .object({
            account: subjectId,
            check: idSchema('dch'),
            registered: z
              .array(z.number().int().min(0))
              .max(100_000)
              .describe('Indexes (into the check’s numbers) of the allowed numbers that are registered.'),
          })
          .strict(),
        response: {
          200: z.object({
            hitRate: z.number().nullable().describe('Registered among all numbers answered to this account.'),
          }),
          ...errorResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) => {
      const { account, registered } = request.body;
      if (new Set(registered).size !== registered.length) {
        throw new CustosError('request.invalid', '`registered` names an index twice');
      }
      return deps.discoveryCheck.report({
        account,
        check: request.body.check,
        registered: registered.length,
      });
    },
  );
}
