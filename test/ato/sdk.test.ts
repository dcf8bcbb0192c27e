import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CustosClient, createClient, isCustosApiError } from '../../src/sdk/index.js';
import { createTestCustos, type TestCustos } from '../support/app.js';

describe('the SDK helper the platform’s auth service calls', () => {
  let t: TestCustos;
  let client: CustosClient;

  beforeAll(async () => {
    t = await createTestCustos('sqlite', { 'ledger.maxDelay': '20ms' });
    const url = await t.custos.api.app.listen({ host: '127.0.0.1', port: 0 });
    const { token } = await t.custos.apiKeys.create({
      name: 'auth-service',
      roles: ['service'],
      scopes: ['ato.assess', 'ato.takeovers.write'],
      createdBy: 'test',
    });
    // A loaded CI machine can take longer than the 5 s default over the first, cold call.
    client = createClient({ baseUrl: url, apiKey: token, timeoutMs: 30_000 });
  });
  afterAll(async () => {
    await t.dispose();
  });

  const login = (account: string, device = `${account}-phone`) => ({
    type: 'login' as const,
    time: t.clock.now(),
    account,
    device,
    phone: '+447400123456',
    ip: '8.8.8.8',
    outcome: 'success' as const,
  });

  it('assesses one event and many, splitting a long list into calls the server accepts', async () => {
    const one = await client.ato.assess(login('sdk-1'));
    expect(one).toMatchObject({ id: expect.stringMatching(/^atd_/), decision: 'allow', duplicate: false });
    // 1,003 events with the server's limit of 1,000 a call: two calls, answers in order.
    const many = await client.ato.assessBatch(
      Array.from({ length: 1003 }, (_, i) => ({ ...login(`sdk-b${i}`), eventId: `sdk-b${i}` })),
    );
    expect(many).toHaveLength(1003);
    const ends = [many[0], many[999], many[1000], many[1002]];
    const stored = await Promise.all(
      ends.map((answer) => t.custos.ledger.record('ato.decision', answer?.id as string)),
    );
    expect(stored.map((row) => JSON.parse(row?.body as string).eventId)).toEqual([
      'sdk-b0',
      'sdk-b999',
      'sdk-b1000',
      'sdk-b1002',
    ]);
  });

  it('reports a confirmed takeover and raises the server’s error codes', async () => {
    const takeover = await client.ato.reportTakeover({
      account: 'sdk-1',
      happenedAt: t.clock.now(),
      method: 'code_phishing',
    });
    expect(takeover).toMatchObject({
      id: expect.stringMatching(/^atk_/),
      account: 'sdk-1',
      method: 'code_phishing',
    });
    const error = await client.ato.assess({ ...login('sdk-2'), time: -5 }).catch((e: unknown) => e);
    expect(isCustosApiError(error) && error.code).toBe('request.invalid');
  });
});
