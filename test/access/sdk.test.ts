import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CustosClient, createClient } from '../../src/sdk/index.js';
import { issueGrant, register } from '../support/access.js';
import { addUser, createTestCustos, type TestCustos } from '../support/app.js';

describe('the SDK helper internal tools use before showing user data', () => {
  let t: TestCustos;
  let client: CustosClient;
  let engineerId: string;

  beforeAll(async () => {
    t = await createTestCustos('sqlite', { 'ledger.maxDelay': '20ms' });
    const url = await t.custos.api.app.listen({ host: '127.0.0.1', port: 0 });
    const { token } = await t.custos.apiKeys.create({
      name: 'support-tool',
      roles: ['service'], scopes: ['*'],
      createdBy: 'test',
    });
    client = createClient({ baseUrl: url, apiKey: token });
    engineerId = (await addUser(t.custos, 'kim', ['engineer'])).id;
    await register(t.custos, engineerId, { team: 'support' });
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('checks over HTTP: deny without a grant, permit with one, and the catalog', async () => {
    const input = {
      actor: engineerId,
      subject: 'user-5',
      fields: ['network.ip'],
      operation: 'read' as const,
    };
    expect((await client.access.check(input)).decision).toBe('deny');
    await issueGrant(t.custos, {
      actorId: engineerId,
      purpose: 'security_incident',
      ticketId: 'INC-1',
      subjects: ['user-5'],
      fields: ['network.ip'],
      operations: ['read'],
      durationMs: 3_600_000,
      source: 'approval',
    });
    const [permitted, other] = await client.access.checkBatch([input, { ...input, subject: 'user-6' }]);
    expect(permitted?.decision).toBe('permit');
    expect(other?.decision).toBe('deny');
    expect((await client.access.catalog()).map((f) => f.name)).toContain('network.ip');
    await expect(client.access.check({ ...input, fields: ['made.up'] })).rejects.toMatchObject({
      code: 'access.unknown_field',
    });
  });
});
