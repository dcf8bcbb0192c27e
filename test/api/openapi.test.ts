import { createConfig, lintFromString, type NormalizedProblem } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCustos, type TestCustos } from '../support/app.js';

interface Operation {
  operationId?: string;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
  security?: Array<Record<string, string[]>>;
}
interface Document {
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
}
const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/** Every operation of the document with where it is, for messages. */
function operationsOf(document: Document): Array<{ where: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.has(method))
      .map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, operation })),
  );
}

function describeProblem(problem: NormalizedProblem): string {
  const where = problem.location.map((l) => l.pointer ?? '').join(', ');
  return `${problem.severity} ${problem.ruleId}: ${problem.message} at ${where}`;
}

// Warnings of Redocly's recommended rules that are wrong for us, each with its reason.
const knownWrongWarnings = new Set([
  // The OIDC endpoints are where a browser is sent, not calls a client makes: they succeed
  // with a redirect (302), to the identity provider and back to the console.
  'warn operation-2xx-response: Operation must have at least one `2XX` response. at #/paths/~1v1~1auth~1oidc~1login/get/responses',
  'warn operation-2xx-response: Operation must have at least one `2XX` response. at #/paths/~1v1~1auth~1oidc~1callback/get/responses',
]);

// The verbs an operationId may start with: generated clients read these as method names.
const verbs = [
  'get',
  'list',
  'create',
  'update',
  'put',
  'patch',
  'delete',
  'revoke',
  'disable',
  'cancel',
  'decide',
  'review',
  'check',
  'sync',
  'protect',
  'unprotect',
  'break',
  'sign',
  'change',
  'start',
  'complete',
  'assess',
  'report',
  'search',
];
const camelCaseWithVerb = new RegExp(`^(?:${verbs.join('|')})(?:[A-Z][a-z0-9]*)*$`);

describe('the OpenAPI document served at /openapi.json', () => {
  let t: TestCustos;
  let text: string;
  let document: Document;

  // The document describes routes, not stored data, so one backend is enough.
  beforeAll(async () => {
    t = await createTestCustos('sqlite');
    const response = await t.custos.api.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    text = response.body;
    document = JSON.parse(text) as Document;
  });
  afterAll(async () => {
    await t.dispose();
  });

  it("passes Redocly's recommended rules with no error, and no warning but those known wrong for us", async () => {
    // Built in and offline: the `recommended` ruleset ships inside @redocly/openapi-core.
    const config = await createConfig({ extends: ['recommended'] });
    const problems = (await lintFromString({ source: text, absoluteRef: 'openapi.json', config })).map(
      describeProblem,
    );
    expect(problems.filter((p) => !knownWrongWarnings.has(p))).toEqual([]);
    // An exception that no longer occurs is removed, so the list only shrinks.
    expect([...knownWrongWarnings].filter((w) => !problems.includes(w))).toEqual([]);
  });

  it('names a server, relative to where the document is served', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('gives every operation a unique camelCase operationId that starts with a verb', () => {
    const ids = operationsOf(document).map(({ where, operation }) => {
      expect(operation.operationId, where).toMatch(camelCaseWithVerb);
      return operation.operationId;
    });
    expect(ids.length).toBeGreaterThan(40);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('declares the error responses of every operation with the error body', () => {
    for (const { where, operation } of operationsOf(document)) {
      const statuses = Object.keys(operation.responses);
      expect(
        statuses.filter((s) => s.startsWith('4')),
        where,
      ).not.toEqual([]);
      for (const status of statuses.filter((s) => /^[45]/.test(s))) {
        const response = operation.responses[status];
        expect(response?.content?.['application/json']?.schema, `${where} ${status}`).toEqual({
          $ref: '#/components/schemas/Error',
        });
        expect(response?.description, `${where} ${status}`).not.toBe('Default Response');
      }
      if (operation.parameters?.length || operation.requestBody) {
        expect(statuses, `${where} takes input`).toContain('400');
      }
    }
  });

  it("declares the OIDC callback's query as named optional parameters", () => {
    const callback = document.paths['/v1/auth/oidc/callback']?.get;
    const query = (callback?.parameters ?? []) as Array<{ name: string; in: string; required?: boolean }>;
    expect(query.map((p) => p.name)).toEqual(
      expect.arrayContaining(['code', 'state', 'iss', 'error', 'error_description']),
    );
    for (const parameter of query)
      expect(parameter, parameter.name).toMatchObject({ in: 'query', required: false });
  });

  it('documents every route under its access rule: public needs nothing, people need a session', () => {
    const declared = t.custos.api.routes;
    const documented = new Map(
      operationsOf(document).map(({ where, operation }) => [operation.operationId, { where, operation }]),
    );
    // Only the docs viewer, the console's page and files, and the catch-all for non-ledger files
    // under /ledger/ go undocumented.
    expect(declared.filter((r) => !r.operationId).map((r) => r.url)).toEqual(
      expect.arrayContaining(['/', '/*', '/assets/*', '/ledger/*']),
    );
    for (const route of declared.filter((r) => !r.operationId)) {
      expect(route.url).toMatch(/^(\/|\/\*|\/assets\/\*|\/ledger\/\*|\/docs(\/.*)?)$/);
    }
    const withIds = declared.filter((r) => r.operationId);
    expect(withIds.map((r) => r.operationId).sort()).toEqual([...documented.keys()].sort());
    for (const route of withIds) {
      const { where, operation } = documented.get(route.operationId) as {
        where: string;
        operation: Operation;
      };
      expect(where.split(' ')[0], route.url).toBe(route.method);
      const statuses = Object.keys(operation.responses);
      if ('public' in route.access) {
        expect(operation.security, where).toEqual([]);
        continue;
      }
      expect(statuses, where).toEqual(expect.arrayContaining(['401', '403']));
      if (route.access.people) expect(operation.security, where).toEqual([{ session: [] }]);
      else expect(operation.security, where).toBeUndefined();
    }
  });
});
