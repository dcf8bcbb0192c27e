import swagger, { type SwaggerTransform, type SwaggerTransformObject } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifySchema } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Access } from './auth.js';
import { errorResponses } from './errors.js';
import type { App } from './types.js';

// The security requirements an access rule amounts to. A public route needs nothing (a key it is
// given is still checked); a route for people takes a console session only, never an API key.
function securityOf(access: Access | undefined): Array<Record<string, string[]>> | undefined {
  if (!access) return undefined;
  if ('public' in access) return [];
  return access.people ? [{ session: [] }] : undefined;
}

/** Zod to JSON Schema, plus each operation's security from its route's access rule. */
export const describeRoute: SwaggerTransform = (input) => {
  const described = jsonSchemaTransform(input);
  const security = securityOf(input.route.config?.access);
  if (!security || (described.schema as { hide?: boolean }).hide) return described;
  return { ...described, schema: { ...described.schema, security } as FastifySchema };
};

/**
 * Adds the named zod schemas (the error body) to components. The zod provider emits each one both
 * as read and as written (`ErrorInput`); only those the document refers to are kept.
 */
const withNamedSchemas: SwaggerTransformObject = (input) => {
  const document = jsonSchemaTransformObject(input);
  // Typed for every OpenAPI version (2.0 has no components); only `components.schemas` is touched.
  const { components } = document as { components?: { schemas?: Record<string, object> } };
  const { schemas = {}, ...otherComponents } = components ?? {};
  const kept: Record<string, object> = {};
  let reachable = JSON.stringify({ ...document, components: otherComponents });
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, schema] of Object.entries(schemas)) {
      if (!(name in kept) && reachable.includes(`"#/components/schemas/${name}"`)) {
        kept[name] = schema;
        reachable += JSON.stringify(schema);
        grew = true;
      }
    }
  }
  return { ...document, components: { ...otherComponents, schemas: kept } } as typeof document;
};

/**
 * For a wildcard route, which OpenAPI cannot express: documents it under `url` (Fastify syntax,
 * `:name` parameters) with these path parameters, while the router keeps serving the wildcard.
 */
export function documentedAs(url: string, params: z.ZodType): SwaggerTransform {
  return (input) => describeRoute({ ...input, url, schema: { ...input.schema, params } });
}

// Loose: the document is passed through as built, not trimmed to a schema.
const openApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({}),
  paths: z.looseObject({}),
});

/**
 * The OpenAPI document at /openapi.json and its viewer at /docs. `servers` is the relative `/`: a
 * self-hosted Custos has no address of its own to name, so clients resolve it against wherever
 * they fetched this document.
 */
export async function registerOpenApi(app: App, deps: { docsAccess: Access }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Custos API',
        version: '0.1.0',
        description: 'Protects user data: access grants, risk decisions, discovery guard, ledger.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: '/', description: 'This Custos, where this document was fetched from.' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: ck_…' },
          session: { type: 'apiKey', in: 'cookie', name: 'custos_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: describeRoute,
    transformObject: withNamedSchemas,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.get(
    '/openapi.json',
    {
      config: { access: deps.docsAccess },
      schema: {
        operationId: 'getOpenApiDocument',
        tags: ['system'],
        summary: 'This OpenAPI document.',
        response: {
          200: openApiDocument,
          ...errorResponses(401, 403),
        },
      },
    },
    // The plugin types its result as a document of any OpenAPI version; this one is 3.1.
    async () => app.swagger() as unknown as z.infer<typeof openApiDocument>,
  );
}
