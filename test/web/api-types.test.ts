import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script, without type declarations
import { typesFile, typesFromDocument } from '../../scripts/openapi-types.mjs';
import { createTestCustos, type TestCustos } from '../support/app.js';

describe('the console’s API types', () => {
  let t: TestCustos;
  beforeAll(async () => {
    t = await createTestCustos('sqlite');
    await t.custos.api.app.ready();
  });
  afterAll(() => t.dispose());

  it('match the OpenAPI document the server builds (run `npm run api:types` after changing a route)', async () => {
    const generated: string = await typesFromDocument(t.custos.api.app.swagger());
    const committed = readFileSync(typesFile, 'utf8');
    expect(committed === generated, 'web/src/api/schema.d.ts is stale: run npm run api:types').toBe(true);
  });
});
