import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueGrant, register } from '../support/access.js';
import { addUser, createTestCustos, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

describe.each(backends)('access tickets on %s', (backend) => {
  let t: TestCustos;
  let serviceKey: string;
  let engineerId: string;

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    serviceKey = (
      await t.custos.apiKeys.create({
        name: 'support-desk',
        roles: ['service'],
        scopes: ['*'],
        createdBy: 'test',
      })
    ).token;
    engineerId = (await addUser(t.custos, 'ana', ['engineer'])).id;
    await register(t.custos, engineerId, { team: 'support' });
  });
  afterEach(async () => {
    await t.dispose();
  });

  const post = (id: string, body: Record<string, unknown>) =>
    t.custos.api.app.inject({
      method: 'PUT',
      url: `/v1/access/tickets/${id}`,
      headers: { authorization: `Bearer ${serviceKey}` },
      payload: body,
    });
  const check = () =>
    t.custos.accessCheck.check(
      { actor: engineerId, subject: 'user-1', fields: ['identity.phone'], operation: 'read' },
      'test',
    );

  it('records a posted ticket and backs only a request by its assignee for its subjects', async () => {
    const posted = await post('SUP-100', {
      title: 'Cannot log in',
      status: 'open',
      assigneeId: engineerId,
      subjects: ['user-1', 'user-2'],
    });
    expect(posted.statusCode).toBe(200);
    expect(posted.json().ticket).toMatchObject({
      id: 'SUP-100',
      status: 'open',
      subjects: ['user-1', 'user-2'],
    });
    await expect(t.custos.tickets.assertBacks('SUP-100', engineerId, ['user-1'])).resolves.toMatchObject({
      id: 'SUP-100',
    });
    const other = (await addUser(t.custos, 'ben', ['engineer'])).id;
    await expect(t.custos.tickets.assertBacks('SUP-100', other, ['user-1'])).rejects.toThrow(/not assigned/);
    await expect(t.custos.tickets.assertBacks('SUP-100', engineerId, ['user-3'])).rejects.toThrow(
      /does not name/,
    );
    await expect(t.custos.tickets.assertBacks('SUP-999', engineerId, ['user-1'])).rejects.toThrow(
      /not known/,
    );
  });

  it('revokes every grant citing a ticket when the ticket closes, effective on the next check', async () => {
    await post('SUP-200', {
      title: 'Account recovery',
      status: 'open',
      assigneeId: engineerId,
      subjects: ['user-1'],
    });
    await issueGrant(t.custos, {
      actorId: engineerId,
      purpose: 'support',
      ticketId: 'SUP-200',
      subjects: ['user-1'],
      fields: ['identity.phone'],
      operations: ['read'],
      durationMs: 3_600_000,
      source: 'approval',
    });
    expect((await check()).decision).toBe('permit');
    const closed = await post('SUP-200', {
      title: 'Account recovery',
      status: 'closed',
      assigneeId: engineerId,
      subjects: ['user-1'],
    });
    expect(closed.json()).toMatchObject({ ticket: { status: 'closed' }, revokedGrants: 1 });
    expect((await check()).decision).toBe('deny');
    await expect(t.custos.tickets.assertBacks('SUP-200', engineerId, ['user-1'])).rejects.toThrow(/closed/);
  });

  it('refuses malformed tickets and hides tickets from engineers', async () => {
    for (const [id, body] of [
      ['SUP-1', { title: 'x', status: 'pending', assigneeId: null, subjects: [] }],
      ['SUP-1', { title: 'x', status: 'open', assigneeId: 'ana', subjects: [] }],
      [
        'SUP-1',
        {
          title: 'x',
          status: 'open',
          assigneeId: null,
          subjects: Array.from({ length: 101 }, (_, i) => `u${i}`),
        },
      ],
      ['bad id!', { title: 'x', status: 'open', assigneeId: null, subjects: [] }],
    ] as const) {
      expect((await post(encodeURIComponent(id), body)).statusCode, JSON.stringify(body).slice(0, 60)).toBe(
        400,
      );
    }
    const session = await t.custos.sessions.create(engineerId, { ip: '127.0.0.1', userAgent: 'test' });
    const read = await t.custos.api.app.inject({
      method: 'GET',
      url: '/v1/access/tickets/SUP-1',
      headers: { cookie: `custos_session=${session.token}` },
    });
    expect(read.statusCode).toBe(403);
  });
});
