import { z } from 'zod';
import { policyNamePattern } from '../../access/policy.check.js';
import type { PolicyVersions } from '../../access/policy.store.js';
import { principalOf } from '../auth.js';
import { errorResponses } from '../errors.js';
import type { App } from '../types.js';

/** A policy file's text: Cedar source, bounded so checking it stays cheap. */
const policyText = z.string().max(65_536);
const policyName = z
  .string()
  .regex(policyNamePattern, 'expected a policy file name of lower-case letters, digits and dashes')
  .describe('A policy file name without `.cedar`, e.g. grant');

const problemSchema = z.object({
  name: z.string(),
  message: z.string(),
  line: z.number().optional(),
  column: z.number().optional(),
});

const policyFileSchema = z.object({
  name: z.string(),
  text: z.string(),
  version: z.number().describe('0 for the file shipped in the policy folder; then 1, 2, … per save.'),
  sha256: z.string(),
  savedBy: z.string().nullable(),
  savedAt: z.number().nullable(),
});

/** The approval policies' Cedar source: read, check against the schema, and save (admins). */
export function policiesRoutes(app: App, deps: { policyVersions: PolicyVersions }): void {
  app.get(
    '/v1/access/policies/files',
    {
      config: { access: { permission: 'access.policies.read' } },
      schema: {
        operationId: 'listApprovalPolicyFiles',
        tags: ['access'],
        summary: 'The Cedar source of every approval policy file in force, with its version, and the schema.',
        response: {
          200: z.object({ files: z.array(policyFileSchema), schema: z.string() }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ files: await deps.policyVersions.list(), schema: deps.policyVersions.schema }),
  );

  app.post(
    '/v1/access/policies/validate',
    {
      config: { access: { permission: 'access.policies.write', people: true } },
      schema: {
        operationId: 'checkApprovalPolicy',
        tags: ['access'],
        summary:
          'Check a policy file as it would be saved: with the other files in force, against the schema. Saves nothing.',
        body: z.object({ name: policyName, text: policyText }).strict(),
        response: {
          200: z.object({ valid: z.boolean(), problems: z.array(problemSchema) }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const problems = await deps.policyVersions.check(request.body.name, request.body.text);
      return { valid: problems.length === 0, problems };
    },
  );

  app.put(
    '/v1/access/policies/:name',
    {
      config: { access: { permission: 'access.policies.write', people: true } },
      schema: {
        operationId: 'putApprovalPolicy',
        tags: ['access'],
        summary:
          'Save a policy file as a new version; refused (422, problems in details) unless the whole set validates. In force for the next decision.',
        params: z.object({ name: policyName }).strict(),
        body: z
          .object({
            text: policyText,
            baseVersion: z
              .number()
              .int()
              .min(0)
              .optional()
              .describe('The version the edit started from; another save in between answers 409.'),
          })
          .strict(),
        response: {
          200: z.object({ file: policyFileSchema }),
          ...errorResponses(400, 401, 403, 409, 422),
        },
      },
    },
    async (request) => ({
      file: await deps.policyVersions.save({
        name: request.params.name,
        text: request.body.text,
        baseVersion: request.body.baseVersion,
        actorId: principalOf(request).id,
      }),
    }),
  );
}
