import { z } from 'zod';
import type { Catalog } from '../../access/catalog.js';
import type { ApprovalPolicy } from '../../access/policy.js';
import { errorResponses } from '../errors.js';
import type { App } from '../types.js';

/** What access can cover (the data catalog) and how it is approved (the policies in force). */
export function catalogRoutes(app: App, deps: { catalog: Catalog; approvalPolicy: ApprovalPolicy }): void {
  app.get(
    '/v1/access/catalog',
    {
      config: { access: { permission: 'access.catalog.read' } },
      schema: {
        operationId: 'listFieldClasses',
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

  app.get(
    '/v1/access/policies',
    {
      config: { access: { permission: 'access.policies.read' } },
      schema: {
        operationId: 'listApprovalPolicies',
        tags: ['access'],
        summary: 'The approval policies in force, each with its id, effect and reason.',
        response: {
          200: z.object({
            policies: z.array(
              z.object({
                id: z.string(),
                effect: z.enum(['permit', 'forbid']),
                reason: z.string(),
                file: z.string(),
              }),
            ),
          }),
          ...errorResponses(401, 403),
        },
      },
    },
    async () => ({ policies: deps.approvalPolicy.policies() }),
  );
}
