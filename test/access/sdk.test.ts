import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
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
      roles: ['service'],
      scopes: ['*'],
      createdBy: 'test',
    });
    // A loaded CI machine can take longer than the 5 s default over the first, cold call.
    client = createClient({ baseUrl: url, apiKey: token, timeoutMs: 30_000 });
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

  it('syncs the directory in chunks and posts tickets, keeping what a change leaves out', async () => {
    const people = Array.from({ length: 25 }, (_, i) => ({
      userId: newId('usr', t.clock),
      platformUserId: `staff-${i}`,
      team: 'ops',
    }));
    expect(await client.registry.syncEmployees(people, { chunkSize: 10 })).toEqual({
      created: 25,
      updated: 0,
      unchanged: 0,
    });
    const first = people[0] as { userId: string };
    const onCall = await client.registry.patchEmployee({
      userId: first.userId,
      onCallUntil: t.clock.now() + 3_600_000,
    });
    expect(onCall).toMatchObject({
      platformUserId: 'staff-0',
      team: 'ops',
      onCallUntil: t.clock.now() + 3_600_000,
    });
    const posted = await client.registry.putTicket({
      id: 'SUP-77',
      title: 'Lost phone',
      status: 'open',
      assigneeId: engineerId,
      subjects: ['user-77'],
      reporterId: 'user-77',
    });
    expect(posted.revokedGrants).toBe(0);
    const closed = await client.registry.patchTicket({ id: 'SUP-77', status: 'closed' });
    expect(closed.ticket).toMatchObject({ status: 'closed', reporterId: 'user-77', subjects: ['user-77'] });
  });
});
