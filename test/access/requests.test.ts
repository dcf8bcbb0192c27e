import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyRecordProof } from '../../src/ledger/recordproof.js';
import {
  type addUser,
  callAs,
  createTestCustos,
  type Person,
  signedInPerson,
  signIn,
  type TestCustos,
} from '../support/app.js';
import { backends } from '../support/services.js';

describe.each(backends)('access requests and approvals on %s', (backend) => {
  let t: TestCustos;
  let serviceKey: string;
  let ana: Person; // support engineer, the requester
  let ben: Person; // another engineer
  let mia: Person; // ana's manager, an approver
  let sol: Person; // security analyst
  let pat: Person; // an approver outside ana's chain, whose own platform account is user-9

  const person = (username: string, roles: Parameters<typeof addUser>[2]) =>
    signedInPerson(t.custos, username, roles);

  const call = (who: Person, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
    callAs(t.custos, who, method, url, payload);

  const postTicket = (id: string, body: Record<string, unknown>) =>
    t.custos.api.app.inject({
      method: 'PUT',
      url: `/v1/access/tickets/${id}`,
      headers: { authorization: `Bearer ${serviceKey}` },
      payload: body,
    });

  const request = (who: Person, body: Record<string, unknown>) =>
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

  const decide = (who: Person, id: string, decision: 'approve' | 'reject', comment = '') =>
    call(who, 'POST', `/v1/access/requests/${id}/decisions`, { decision, comment });

  const check = (actor: string, subject: string, fields = ['identity.phone']) =>
    t.custos.accessCheck.check({ actor, subject, fields, operation: 'read' }, 'test');

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    serviceKey = (
      await t.custos.apiKeys.create({ name: 'desk', roles: ['service'], scopes: ['*'], createdBy: 'test' })
    ).token;
    ana = await person('ana', ['engineer']);
    ben = await person('ben', ['engineer']);
    mia = await person('mia', ['approver']);
    sol = await person('sol', ['analyst']);
    pat = await person('pat', ['approver']);
    await t.custos.employees.put({
      userId: ana.id,
      platformUserId: 'user-100',
      managerId: mia.id,
      team: 'support',
    });
    await t.custos.employees.put({
      userId: mia.id,
      platformUserId: 'user-101',
      managerId: null,
      team: 'leads',
    });
    await t.custos.employees.put({
      userId: pat.id,
      platformUserId: 'user-9',
      managerId: null,
      team: 'trust',
    });
    await t.custos.employees.put({
      userId: sol.id,
      platformUserId: 'user-102',
      managerId: null,
      team: 'security',
    });
    await t.custos.employees.put({
      userId: ben.id,
      platformUserId: 'user-103',
      managerId: mia.id,
      team: 'abuse',
    });
    await postTicket('SUP-1', {
      title: 'No SMS',
      status: 'open',
      assigneeId: ana.id,
      subjects: ['user-1', 'user-9'],
      reporterId: 'user-1',
    });
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('grants tier 3 access only after one security and one management approval, and says what it waits for', async () => {
    const created = await request(ana, {});
    expect(created.statusCode, created.body).toBe(201);
    const { request: pending, grant, ledgerIndex } = created.json();
    expect(grant).toBeNull();
    expect(ledgerIndex).toBeGreaterThanOrEqual(0);
    expect(pending).toMatchObject({ status: 'pending', tier: 3, protectedSubjects: false });
    expect(pending.decision.policies.map((p: { id: string }) => p.id)).toEqual([
      'sensitive-needs-security-and-management',
    ]);
    expect((await check(ana.id, 'user-1')).decision).toBe('deny');

    const byManager = await decide(mia, pending.id, 'approve', 'Known issue with this carrier.');
    expect(byManager.statusCode, byManager.body).toBe(200);
    expect(byManager.json().request.status).toBe('pending');
    expect(byManager.json().request.approvals).toMatchObject([
      { approverId: mia.id, management: true, security: false },
    ]);
    expect((await decide(mia, pending.id, 'approve')).json().code).toBe('access.already_decided');

    const bySecurity = await decide(sol, pending.id, 'approve');
    expect(bySecurity.statusCode, bySecurity.body).toBe(200);
    const approved = bySecurity.json();
    expect(approved.request.status).toBe('approved');
    expect(approved.grant).toMatchObject({
      actorId: ana.id,
      subjects: ['user-1'],
      fields: ['identity.phone'],
      requestId: pending.id,
      expiresAt: t.clock.now() + 4 * 3_600_000,
    });
    expect(approved.request.decision).toMatchObject({ allowed: true, policies: [{ id: 'one-approval' }] });

    // X's contact field is readable now; nothing of Y, and no other field class.
    const permitted = await check(ana.id, 'user-1', ['identity.phone', 'network.ip']);
    expect(permitted).toMatchObject({
      decision: 'permit',
      grantId: approved.grant.id,
      fields: { permitted: ['identity.phone'], masked: ['network.ip'] },
    });
    expect((await check(ana.id, 'user-2')).decision).toBe('deny');
    expect((await check(ben.id, 'user-1')).decision).toBe('deny');

    // A replayed approval after the grant changes nothing.
    const replay = await decide(pat, pending.id, 'approve');
    expect(replay.statusCode).toBe(409);
    expect(replay.json().code).toBe('access.request_not_pending');
  });

  it('refuses decisions by the requester and by a subject, and records each refused attempt', async () => {
    await postTicket('SUP-2', { title: 'x', status: 'open', assigneeId: sol.id, subjects: ['user-9'] });
    const own = await request(ana, {});
    const id = own.json().request.id;
    const selfApproval = await decide(ana, id, 'approve');
    // Engineers may not decide at all; the attempt is refused by the policies, and recorded.
    expect(selfApproval.statusCode).toBe(403);
    expect(selfApproval.json()).toMatchObject({
      code: 'access.denied',
      details: { policies: ['never-the-requester'] },
    });

    // A security analyst asking for access cannot approve their own request.
    const solRequest = await request(sol, { ticketId: 'SUP-2', subjects: ['user-9'] });
    expect(solRequest.statusCode, solRequest.body).toBe(201);
    const refused = await decide(sol, solRequest.json().request.id, 'approve');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      code: 'access.denied',
      details: { policies: ['never-the-requester'] },
    });

    // pat's own platform account is user-9: pat may not decide on access to it.
    const aboutPat = await request(ana, { subjects: ['user-9'] });
    const bySubject = await decide(pat, aboutPat.json().request.id, 'approve');
    expect(bySubject.statusCode).toBe(403);
    expect(bySubject.json().details.policies).toEqual(['never-a-subject']);

    const refusals = await t.custos.store.db
      .selectFrom('ledger_records')
      .select(['body'])
      .where('record_type', '=', 'access.approval.refused')
      .execute();
    expect(refusals.map((r) => JSON.parse(r.body as string).approver).sort()).toEqual(
      [ana.id, sol.id, pat.id].sort(),
    );
    expect(
      (await t.custos.accessRequests.get(aboutPat.json().request.id, { id: pat.id, roles: ['approver'] }))
        .approvals,
    ).toEqual([]);
  });

  it('auto-approves only the narrow case: one user, tier 1, an hour, that user’s own support ticket', async () => {
    const narrow = await request(ana, { fields: ['profile.name'], duration: '1h' });
    expect(narrow.statusCode, narrow.body).toBe(201);
    expect(narrow.json().request).toMatchObject({
      status: 'approved',
      decision: { allowed: true, policies: [{ id: 'own-support-ticket' }] },
    });
    expect(narrow.json().grant).toMatchObject({ fields: ['profile.name'], subjects: ['user-1'] });
    expect((await check(ana.id, 'user-1', ['profile.name'])).decision).toBe('permit');

    for (const wider of [
      { fields: ['profile.name'], duration: '2h' },
      { fields: ['profile.name', 'profile.photo'], duration: '1h' },
      { fields: ['profile.name'], duration: '1h', subjects: ['user-9'] }, // user-9 did not file SUP-1
      { fields: ['profile.name'], duration: '1h', operations: ['read', 'export'] },
      { fields: ['profile.name'], duration: '1h', purpose: 'debugging' },
    ]) {
      const response = await request(ana, wider);
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json().request.status, JSON.stringify(wider)).toBe('pending');
    }

    // A protected subject is never auto-approved, and needs security and management.
    await t.custos.api.app.inject({
      method: 'PUT',
      url: '/v1/access/protected-subjects/user-1',
      headers: { authorization: `Bearer ${serviceKey}` },
      payload: { category: 'journalist' },
    });
    const protectedRequest = await request(ana, { fields: ['profile.name'], duration: '1h' });
    expect(protectedRequest.json().request).toMatchObject({ status: 'pending', protectedSubjects: true });
    expect(protectedRequest.json().request.decision.policies.map((p: { id: string }) => p.id)).toEqual([
      'sensitive-needs-security-and-management',
    ]);
    const once = await decide(pat, protectedRequest.json().request.id, 'approve');
    expect(once.json().request.status).toBe('pending');
  });

  it('refuses bad requests with a clear 4xx and no grant', async () => {
    await postTicket('SUP-3', {
      title: 'closed',
      status: 'closed',
      assigneeId: ana.id,
      subjects: ['user-1'],
    });
    await postTicket('SUP-4', { title: 'ben’s', status: 'open', assigneeId: ben.id, subjects: ['user-1'] });
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ fields: ['identity.shoe_size'] }, 400, 'access.unknown_field'],
      [{ subjects: Array.from({ length: 101 }, (_, i) => `user-${i}`) }, 400, 'request.invalid'],
      [{ subjects: [] }, 400, 'request.invalid'],
      [{ duration: '2d' }, 400, 'access.scope_invalid'], // tier 3 caps at 24 h
      [{ duration: 'forever' }, 400, 'request.invalid'],
      [{ operations: ['delete'] }, 400, 'request.invalid'],
      [{ purpose: 'curiosity' }, 400, 'request.invalid'],
      [{ justification: 'because' }, 400, 'request.invalid'],
      [{ grantId: 'grt_01M80AB0VDK2A2E9N1XT3BFQ6E' }, 400, 'request.invalid'],
      [{ ticketId: 'SUP-3' }, 409, 'access.ticket_closed'],
      [{ ticketId: 'SUP-4' }, 409, 'access.ticket_not_assigned'],
      [{ ticketId: 'SUP-404' }, 409, 'access.ticket_unknown'],
      [{ subjects: ['user-2'] }, 409, 'access.ticket_subjects_missing'],
    ];
    for (const [body, status, code] of cases) {
      const response = await request(ana, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().code, JSON.stringify(body)).toBe(code);
    }
    // One's own account, whatever the ticket says.
    await postTicket('SUP-5', { title: 'me', status: 'open', assigneeId: ana.id, subjects: ['user-100'] });
    const self = await request(ana, { ticketId: 'SUP-5', subjects: ['user-100'] });
    expect(self.statusCode).toBe(403);
    expect(self.json()).toMatchObject({ code: 'access.denied', details: { reason: 'subject.self' } });
    // An API key, even with the engineer role, cannot ask: requests are made by people.
    const key = (await t.custos.apiKeys.create({ name: 'tool', roles: ['engineer'], createdBy: 'test' }))
      .token;
    const byKey = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/access/requests',
      headers: { authorization: `Bearer ${key}` },
      payload: {},
    });
    expect(byKey.statusCode).toBe(403);
    expect(await t.custos.grants.list({})).toEqual([]);
  });

  it('needs two approvers to export, lets a rejection end a request, and lapses unanswered requests', async () => {
    const exportRequest = await request(ana, {
      fields: ['profile.name'],
      operations: ['export'],
      duration: '1h',
    });
    const exportId = exportRequest.json().request.id;
    expect(exportRequest.json().request.decision.policies.map((p: { id: string }) => p.id)).toEqual([
      'export-needs-two',
    ]);
    expect((await decide(pat, exportId, 'approve')).json().request.status).toBe('pending');
    expect((await decide(mia, exportId, 'approve')).json().request.status).toBe('approved');

    const rejected = await request(ana, {});
    const rejectedId = rejected.json().request.id;
    expect((await decide(sol, rejectedId, 'reject', 'Use the SMS log instead.')).json().request.status).toBe(
      'rejected',
    );
    expect((await decide(mia, rejectedId, 'approve')).statusCode).toBe(409);

    const lapsing = await request(ana, {});
    t.clock.advance(7 * 86_400_000 + 1);
    mia.auth = await signIn(t.custos, 'mia');
    ana.auth = await signIn(t.custos, 'ana');
    const late = await decide(mia, lapsing.json().request.id, 'approve');
    expect(late.statusCode).toBe(409);
    expect(late.json().message).toMatch(/expired/);
    expect(
      (await call(ana, 'GET', `/v1/access/requests/${lapsing.json().request.id}`)).json().request.status,
    ).toBe('expired');
  });

  it('lets the holder, an approver of the grant or security revoke it, effective on the next check', async () => {
    const issue = async () => {
      const id = (await request(ana, {})).json().request.id;
      await decide(mia, id, 'approve');
      return (await decide(sol, id, 'approve')).json().grant.id as string;
    };
    const revoke = (who: Person, grantId: string) =>
      call(who, 'POST', `/v1/access/grants/${grantId}/revoke`, { reason: 'done with the ticket' });

    const first = await issue();
    expect((await check(ana.id, 'user-1')).decision).toBe('permit');
    // Another engineer learns nothing of it; an approver who did not approve it may not revoke it.
    expect((await revoke(ben, first)).statusCode).toBe(404);
    expect((await revoke(pat, first)).json().code).toBe('access.denied');
    expect((await call(ben, 'GET', '/v1/access/grants')).json().grants).toEqual([]);
    expect(
      (await call(ana, 'GET', '/v1/access/grants?active=true'))
        .json()
        .grants.map((g: { id: string }) => g.id),
    ).toEqual([first]);

    const byHolder = await revoke(ana, first);
    expect(byHolder.statusCode, byHolder.body).toBe(200);
    expect((await check(ana.id, 'user-1')).decision).toBe('deny');
    expect((await revoke(ana, first)).statusCode).toBe(409);

    const second = await issue();
    expect((await revoke(mia, second)).statusCode).toBe(200);
    const third = await issue();
    expect((await revoke(sol, third)).statusCode).toBe(200);
    expect((await check(ana.id, 'user-1')).decision).toBe('deny');

    // Each revocation is logged through the outbox: delivered, it is a ledger record.
    await t.custos.dispatcher.runOnce();
    const revocations = await t.custos.store.db
      .selectFrom('ledger_records')
      .select('body')
      .where('record_type', '=', 'access.grant.revoked')
      .execute();
    expect(revocations.map((r) => JSON.parse(r.body as string).revokedBy).sort()).toEqual(
      [ana.id, mia.id, sol.id].sort(),
    );
  });

  it('re-reads the ticket and the protected list when it decides: a closed ticket grants nothing', async () => {
    const id = (await request(ana, {})).json().request.id;
    await decide(mia, id, 'approve');
    await postTicket('SUP-1', {
      title: 'No SMS',
      status: 'closed',
      assigneeId: ana.id,
      subjects: ['user-1', 'user-9'],
    });
    const late = await decide(sol, id, 'approve');
    expect(late.statusCode).toBe(409);
    expect(late.json().message).toMatch(/ticket SUP-1 is closed/);
    expect(await t.custos.grants.list({})).toEqual([]);

    // A subject put on the protected list after the request needs what protected subjects need.
    await postTicket('SUP-1', {
      title: 'No SMS',
      status: 'open',
      assigneeId: ana.id,
      subjects: ['user-1', 'user-9'],
    });
    const photo = (await request(ana, { fields: ['profile.photo'] })).json().request.id;
    await t.custos.protectedSubjects.put('user-1', 'journalist', 'test');
    const once = await decide(pat, photo, 'approve');
    expect(once.json().request).toMatchObject({ status: 'pending', protectedSubjects: true });
    // An approver unknown to the employee registry may not decide at all.
    const stranger = await person('zed', ['approver']);
    const refused = await decide(stranger, photo, 'approve');
    expect(refused.json()).toMatchObject({
      code: 'access.denied',
      details: { policies: ['approver-must-be-registered'] },
    });
  });

  it('revokes a grant at once and answers 503 when the ledger cannot record the approval', async () => {
    const id = (await request(ana, {})).json().request.id;
    await decide(mia, id, 'approve');
    await t.custos.ledger.close();
    const response = await decide(sol, id, 'approve');
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('ledger.unavailable');
    const grants = await t.custos.grants.list({});
    expect(grants).toHaveLength(1);
    expect(grants[0]?.revokedAt).not.toBeNull();
    // Nobody is told of a grant the ledger never recorded.
    const issued = await t.custos.store.db
      .selectFrom('outbox')
      .select('topic')
      .where('topic', '=', 'access.grant.issued')
      .execute();
    expect(issued).toEqual([]);
    expect((await check(ana.id, 'user-1').catch((error: Error) => error)) instanceof Error).toBe(true);
    expect(await t.custos.grants.activeFor(ana.id, 'user-1')).toEqual([]);
  });

  it('logs every request and decision in the ledger with a verifiable proof, and emits events', async () => {
    const created = (await request(ana, {})).json();
    await decide(mia, created.request.id, 'approve');
    await decide(sol, created.request.id, 'approve');
    const proof = await t.custos.ledger.prove('access.request', created.request.id);
    const stored = await t.custos.ledger.record('access.request', created.request.id);
    if (!stored?.body || !stored.salt) throw new Error('the request record is missing');
    const { body, salt } = stored;
    expect(
      verifyRecordProof(proof, t.custos.ledger.vkey, {
        canonical: body,
        salt,
      }),
    ).toMatchObject({ origin: expect.any(String) });
    expect(() =>
      verifyRecordProof(proof, t.custos.ledger.vkey, {
        canonical: body.replace('"status":"pending"', '"status":"approved"'),
        salt,
      }),
    ).toThrow();
    const topics = (
      await t.custos.store.db
        .selectFrom('outbox')
        .select('topic')
        .where('destination', '=', 'bus')
        .orderBy('id')
        .execute()
    ).map((r) => r.topic);
    expect(topics.filter((topic) => topic.startsWith('access.')).sort()).toEqual([
      'access.grant.issued',
      'access.request.approval_added',
      'access.request.approved',
      'access.request.created',
    ]);
    // Engineers list only their own requests; approvers see everyone's.
    await postTicket('SUP-6', { title: 'b', status: 'open', assigneeId: ben.id, subjects: ['user-6'] });
    await request(ben, { ticketId: 'SUP-6', subjects: ['user-6'] });
    expect((await call(ana, 'GET', '/v1/access/requests')).json().requests).toHaveLength(1);
    expect((await call(mia, 'GET', '/v1/access/requests?status=pending')).json().requests).toHaveLength(1);
    expect((await call(ben, 'GET', `/v1/access/requests/${created.request.id}`)).statusCode).toBe(404);
  });
});
