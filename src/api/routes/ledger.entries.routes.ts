import { z } from 'zod';
import { rolesAllow } from '../../identity/roles.js';
import { recordIdPattern, recordTypePattern } from '../../ledger/entry.js';
import { type LedgerExplorer, maxEntriesPage } from '../../ledger/explore.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import type { App } from '../types.js';

const entryIndex = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const entrySummary = z.object({
  index: z.number(),
  kind: z.enum(['record', 'batch']),
  leafHash: hex64,
  createdAt: z.number(),
  records: z.number(),
});

const entryRecord = z.object({
  type: z.string(),
  id: z.string(),
  position: z.number(),
  commitment: hex64,
  createdAt: z.number(),
  erasedAt: z.number().nullable(),
  canonical: z.string().optional().describe('The record (RFC 8785 JSON), for roles that may read records.'),
  salt: z.string().optional().describe('Its salt in hex, beside the content.'),
});

/**
 * The log by index, for auditors: entries, the records behind each (their content only for roles
 * holding `ledger.records.read`, since records name end users), and inclusion proofs.
 */
export function ledgerEntriesRoutes(app: App, deps: { ledgerExplorer: LedgerExplorer }): void {
  const explorer = deps.ledgerExplorer;

  app.get(
    '/v1/ledger/entries',
    {
      config: { access: { permission: 'ledger.read' } },
      schema: {
        operationId: 'listLedgerEntries',
        tags: ['ledger'],
        summary: `Log entries in index order from \`from\` (by default the newest page), at most ${maxEntriesPage}.`,
        querystring: z
          .object({
            from: entryIndex.optional(),
            limit: z.coerce.number().int().min(1).max(maxEntriesPage).default(50),
          })
          .strict(),
        response: {
          200: z.object({
            entries: z.array(entrySummary),
            from: z.number(),
            sequenced: z.number(),
            integrated: z.number(),
            next: z.number().nullable().describe('`from` of the next page, if any.'),
            previous: z.number().nullable().describe('`from` of the previous page, if any.'),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => explorer.list(request.query.from, request.query.limit),
  );

  app.get(
    '/v1/ledger/entries/:index',
    {
      config: { access: { permission: 'ledger.read' } },
      schema: {
        operationId: 'getLedgerEntry',
        tags: ['ledger'],
        summary:
          'One log entry: its text, leaf hash and time, and the records it commits to (their content for roles that may read records).',
        params: z.object({ index: entryIndex }).strict(),
        response: {
          200: z.object({
            index: z.number(),
            kind: z.enum(['record', 'batch']),
            entry: z.string(),
            leafHash: hex64,
            createdAt: z.number(),
            integrated: z.boolean().describe('Whether a published checkpoint covers the entry yet.'),
            records: z.array(entryRecord),
            contentShown: z.boolean().describe("Whether the caller's roles let them see record content."),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return explorer.entry(request.params.index, rolesAllow(principal.roles, 'ledger.records.read'));
    },
  );

  app.get(
    '/v1/ledger/entries/:index/proof',
    {
      config: { access: { permission: 'ledger.read' } },
      schema: {
        operationId: 'getLedgerEntryProof',
        tags: ['ledger'],
        summary:
          'The RFC 9162 inclusion proof of one entry in the tree of `treeSize` entries (by default the latest checkpoint, which comes along).',
        params: z.object({ index: entryIndex }).strict(),
        querystring: z.object({ treeSize: entryIndex.optional() }).strict(),
        response: {
          200: z.object({
            index: z.number(),
            treeSize: z.number(),
            entry: z.string(),
            inclusion: z.array(z.string()).describe('Base64 32-byte hashes, leaf to root.'),
            checkpoint: z
              .string()
              .nullable()
              .describe('The signed checkpoint of that size when it is the latest; null otherwise.'),
          }),
          ...errorResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request) => explorer.proof(request.params.index, request.query.treeSize),
  );

  app.get(
    '/v1/ledger/records/:recordType/:recordId',
    {
      config: { access: { permission: 'ledger.read' } },
      schema: {
        operationId: 'getLedgerRecordLocation',
        tags: ['ledger'],
        summary: 'Where a record was logged (e.g. an access check by its check id): its entry index.',
        params: z
          .object({
            recordType: z.string().regex(recordTypePattern),
            recordId: z.string().regex(recordIdPattern),
          })
          .strict(),
        response: {
          200: z.object({
            recordType: z.string(),
            recordId: z.string(),
            index: z.number(),
            position: z.number(),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => explorer.locate(request.params.recordType, request.params.recordId),
  );
}
