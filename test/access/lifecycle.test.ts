import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueGrant, register } from '../support/access.js';
import { callAs, createTestCustos, type Person, signedInPerson, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

const hour = 3_600_000;

/**
 * When something changes state, everything derived from it follows: a disabled person, a changed
 * ticket, an approver who no longer qualifies.
 */
describe.each(backends)('access lifecycle on %s', (backend) => {
  let t: TestCustos;
  let serviceKey: string;
  let ana: Person; // engineer, the requester
  let ben: Person; // another engineer
  let mia: Person; // ana's manager, an approver
  let pat: Person; // an approver outside ana's chain
  let sol: Person; // security analyst
  let root: Person; // admin

  const call = (
    who: Person,
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: Record<string, unknown>,
  ) => callAs(t.custos, who, method, url, payload);
  const asService = (method: 'PUT' | 'PATCH', url: string, payload: Record<string, unknown>) =>
    t.custos.api.app.inject({ method, url, headers: { authorization: `Bearer ${serviceKey}` }, payload });
  const request = (who: Person, body: Record<string, unknown> = {}) =>
    call(who, 'POST', '/v1/access/requests', {
      purpose: 'support',
      ticketId: 'SUP-1',
      subjects: ['user-1'],
      fields: ['identity.phone'],
      operations: ['read'],
      duration: '4h',
      justification: 'User cannot receive the verification SMS; checking the number on file.',
      ...body,
    });
  const decide = (who: Person, id: string, decision: 'approve' | 'reject' = 'approve') =>
    call(who, 'POST', `/v1/access/requests/${id}/decisions`, { decision, comment: '' });
  const check = (actor: string, subject: string) =>
    t.custos.accessCheck.check({ actor, subject, fields: ['identity.phone'], operation: 'read' }, 'test');
  const delivered = async (topic: string) => {
    await t.custos.dispatcher.runOnce();
    const rows = await t.custos.store.db
      .selectFrom('ledger_records')
      .select('body')
      .where('record_type', '=', topic)
      .execute();
    return rows.map((r) => JSON.parse(r.body as string) as Record<string, unknown>);
  };
  const announced = async (topic: string) =>
    (
      await t.custos.store.db
        .selectFrom('outbox')
        .select('payload')
        .where('topic', '=', topic)
        .where('destination', '=', 'bus')
        .execute()
    ).map((r) => JSON.parse(r.payload).unmapped as Record<string, unknown>);

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    serviceKey = (
      await t.custos.apiKeys.create({ name: 'desk', roles: ['service'], scopes: ['*'], createdBy: 'test' })
    ).token;
    [ana, ben, mia, pat, sol, root] = await Promise.all([
      signedInPerson(t.custos, 'ana', ['engineer']),
      signedInPerson(t.custos, 'ben', ['engineer']),
      signedInPerson(t.custos, 'mia', ['approver']),
      signedInPerson(t.custos, 'pat', ['approver']),
      signedInPerson(t.custos, 'sol', ['analyst']),
      signedInPerson(t.custos, 'root', ['admin']),
    ]);
    await register(t.custos, ana.id, { platformUserId: 'user-100', managerId: mia.id, team: 'support' });
    await register(t.custos, ben.id, { platformUserId: 'user-103', managerId: mia.id, team: 'abuse' });
    await register(t.custos, mia.id, { platformUserId: 'user-101', team: 'leads' });
    await register(t.custos, pat.id, { platformUserId: 'user-104', team: 'trust' });
    await register(t.custos, sol.id, { platformUserId: 'user-102', team: 'security' });
    const ticket = { title: 'No SMS', status: 'open', assigneeId: ana.id, subjects: ['user-1', 'user-2'] };
    expect((await asService('PUT', '/v1/access/tickets/SUP-1', ticket)).statusCode).toBe(200);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('disabling a person revokes their grants and API keys and cancels their pending requests, each logged and announced', async () => {
    const first = (await request(ana)).json().request.id;
    await decide(mia, first);
    const granted = await decide(sol, first);
    expect(granted.json().request.status).toBe('approved');
    const pending = (await request(ana, { subjects: ['user-2'] })).json().request.id;
    await decide(mia, pending);
    // On call, ana also broke the glass.
    await t.custos.employees.patch({ userId: ana.id, onCallUntil: t.clock.now() + hour });
    const glass = await call(ana, 'POST', '/v1/access/break-glass', {
      subjects: ['user-7'],
      fields: ['identity.phone'],
      duration: '30m',
      reason: 'Account takeover in progress on user-7, checking the number.',
    });
    expect(glass.statusCode, glass.body).toBe(201);
    // A key ana made while she held the admin role.
    const { token } = await t.custos.apiKeys.create({
      name: 'ana-script',
      roles: ['service'],
      scopes: ['*'],
      createdBy: ana.id,
    });
    expect((await check(ana.id, 'user-1')).decision).toBe('permit');
    expect((await check(ana.id, 'user-7')).decision).toBe('permit');

    const disabled = await call(root, 'POST', `/v1/users/${ana.id}/disable`);
    expect(disabled.statusCode, disabled.body).toBe(200);

    expect((await check(ana.id, 'user-1')).decision).toBe('deny');
    expect((await check(ana.id, 'user-7')).decision).toBe('deny');
    const grants = await t.custos.grants.list({ actorId: ana.id });
    expect(grants).toHaveLength(2);
    expect(grants.every((g) => g.revokedAt !== null)).toBe(true);
    // The pending request cannot be approved into a new grant any more.
    const late = await decide(sol, pending);
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('access.request_not_pending');
    expect((await call(root, 'GET', `/v1/access/requests/${pending}`)).json().request.status).toBe(
      'cancelled',
    );
    expect(await t.custos.grants.list({ actorId: ana.id, active: true })).toEqual([]);
    // Her key stops working with her.
    const byKey = await t.custos.api.app.inject({
      method: 'GET',
      url: '/v1/access/catalog',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(byKey.statusCode).toBe(401);

    const revokedEvents = await announced('access.grant.revoked');
    expect(revokedEvents.map((e) => e.grantId).sort()).toEqual(grants.map((g) => g.id).sort());
    expect(revokedEvents.every((e) => e.reason === 'holder disabled' && e.revokedBy === root.id)).toBe(true);
    const revokedRecords = await delivered('access.grant.revoked');
    expect(revokedRecords.map((r) => r.grantId).sort()).toEqual(grants.map((g) => g.id).sort());
    const cancelled = await delivered('access.request.cancelled');
    expect(cancelled).toMatchObject([{ requestId: pending, reason: 'requester_disabled' }]);
    expect((await announced('identity.apikey.revoked')).map((e) => e.reason)).toEqual(['creator_disabled']);
  });

  it('counts an approval only while its approver still qualifies, judged again when the grant would issue', async () => {
    // Disabled: mia's management approval no longer counts.
    const one = (await request(ana)).json().request.id;
    expect((await decide(mia, one)).json().request.status).toBe('pending');
    await call(root, 'POST', `/v1/users/${mia.id}/disable`);
    const afterSecurity = await decide(sol, one);
    expect(afterSecurity.statusCode, afterSecurity.body).toBe(200);
    expect(afterSecurity.json()).toMatchObject({ request: { status: 'pending' }, grant: null });
    expect((await check(ana.id, 'user-1')).decision).toBe('deny');
    // A manager who qualifies now completes it.
    await t.custos.employees.patch({ userId: ana.id, managerId: pat.id });
    const completed = await decide(pat, one);
    expect(completed.json().request.status).toBe('approved');
    const [record] = (
      await t.custos.store.db
        .selectFrom('ledger_records')
        .select('body')
        .where('record_type', '=', 'access.approval')
        .execute()
    )
      .map((r) => JSON.parse(r.body as string))
      .filter((b) => b.status === 'approved');
    expect(record.counted.sort()).toEqual([sol.id, pat.id].sort());
  });

  it('stops counting a security approval whose approver lost the analyst role, and a manager who left the chain', async () => {
    const one = (await request(ana)).json().request.id;
    await decide(sol, one);
    await t.custos.users.removeRole(sol.id, 'analyst', root.id);
    expect((await decide(mia, one)).json()).toMatchObject({ request: { status: 'pending' }, grant: null });

    const two = (await request(ana, { subjects: ['user-2'] })).json().request.id;
    await decide(mia, two);
    await t.custos.employees.patch({ userId: ana.id, managerId: pat.id });
    const sam = await signedInPerson(t.custos, 'sam', ['analyst']);
    await register(t.custos, sam.id, { platformUserId: 'user-105', team: 'security' });
    expect((await decide(sam, two)).json()).toMatchObject({ request: { status: 'pending' }, grant: null });
    expect(await t.custos.grants.list({ actorId: ana.id })).toEqual([]);
  });

  it('ends a grant when its ticket is closed, reassigned or stops naming its subject, each logged and announced', async () => {
    const ticket = (id: string, subjects = ['user-1', 'user-2']) =>
      asService('PUT', `/v1/access/tickets/${id}`, {
        title: id,
        status: 'open',
        assigneeId: ana.id,
        subjects,
      });
    const grantOn = (ticketId: string, subjects = ['user-1']) =>
      issueGrant(t.custos, {
        actorId: ana.id,
        purpose: 'support',
        ticketId,
        subjects,
        fields: ['identity.phone'],
        operations: ['read'],
        durationMs: hour,
        source: 'approval',
      });
    await ticket('T-1');
    await ticket('T-2');
    await ticket('T-3');
    const [closed, reassigned, narrowed, untouched] = [
      await grantOn('T-1'),
      await grantOn('T-2'),
      await grantOn('T-3', ['user-2']),
      await grantOn('T-3', ['user-1']),
    ];

    const close = await asService('PATCH', '/v1/access/tickets/T-1', { status: 'closed' });
    expect(close.json()).toMatchObject({
      revokedGrants: 1,
      ticket: { status: 'closed', assigneeId: ana.id },
    });
    const give = await asService('PATCH', '/v1/access/tickets/T-2', { assigneeId: ben.id });
    expect(give.json()).toMatchObject({ revokedGrants: 1, ticket: { status: 'open', assigneeId: ben.id } });
    const narrow = await asService('PATCH', '/v1/access/tickets/T-3', { subjects: ['user-1'] });
    expect(narrow.json()).toMatchObject({ revokedGrants: 1, ticket: { subjects: ['user-1'] } });

    const active = (await t.custos.grants.list({ actorId: ana.id, active: true })).map((g) => g.id);
    expect(active).toEqual([untouched.id]);
    const reasons = Object.fromEntries(
      (await announced('access.grant.revoked')).map((e) => [e.grantId as string, e.reason]),
    );
    expect(reasons).toEqual({
      [closed.id]: 'ticket closed',
      [reassigned.id]: 'ticket reassigned',
      [narrowed.id]: 'ticket no longer names every subject',
    });
    const records = await delivered('access.grant.revoked');
    expect(records.map((r) => [r.grantId, r.revokedBy]).sort()).toEqual(
      [
        [closed.id, 'ticket:T-1'],
        [reassigned.id, 'ticket:T-2'],
        [narrowed.id, 'ticket:T-3'],
      ].sort(),
    );
  });
});
