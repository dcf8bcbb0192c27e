import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callAs, createTestCustos, type Person, signedInPerson, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

describe.each(backends)('request preview and registry lists on %s', (backend) => {
  let t: TestCustos;
  let serviceKey: string;
  let ana: Person; // engineer, the requester
  let mia: Person; // ana's manager, an approver
  let sol: Person; // security analyst

  const asService = (method: 'GET' | 'PUT', url: string, payload?: Record<string, unknown>) =>
    t.custos.api.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${serviceKey}` },
      ...(payload ? { payload } : {}),
    });

  const preview = (body: Record<string, unknown>) =>
    callAs(t.custos, ana, 'POST', '/v1/access/requests/preview', {
      purpose: 'support',
      ticketId: 'SUP-1',
      subjects: ['user-1'],
      fields: ['identity.phone'],
      operations: ['read'],
      duration: '4h',
      ...body,
    });

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    serviceKey = (
      await t.custos.apiKeys.create({ name: 'desk', roles: ['service'], scopes: ['*'], createdBy: 'test' })
    ).token;
    ana = await signedInPerson(t.custos, 'ana', ['engineer']);
    mia = await signedInPerson(t.custos, 'mia', ['approver']);
    sol = await signedInPerson(t.custos, 'sol', ['analyst']);
    await t.custos.employees.put({
      userId: ana.id,
      platformUserId: 'user-100',
      managerId: mia.id,
      team: 'a',
    });
    await t.custos.employees.put({ userId: mia.id, platformUserId: 'user-101', team: 'b' });
    await t.custos.employees.put({ userId: sol.id, platformUserId: 'user-102', team: 'c' });
    const ticket = await asService('PUT', '/v1/access/tickets/SUP-1', {
      title: 'No SMS',
      status: 'open',
      assigneeId: ana.id,
      subjects: ['user-1', 'user-100'],
      reporterId: 'user-1',
    });
    expect(ticket.statusCode, ticket.body).toBe(200);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('says a tier 3 request needs a security and a management approval, and writes nothing', async () => {
    const answer = await preview({});
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({
      verdict: 'needs_approval',
      tier: 3,
      protectedSubjects: false,
      requirement: {
        approvals: 2,
        securityApprovals: 1,
        managementApprovals: 1,
        grantedBy: [{ id: 'one-approval' }],
      },
      policies: [{ id: 'sensitive-needs-security-and-management', effect: 'forbid' }],
      reasons: [{ code: 'policy.sensitive-needs-security-and-management' }],
    });
    const requests = await t.custos.store.db.selectFrom('access_requests').select('id').execute();
    expect(requests).toEqual([]);
    // The preview's answer is what creating the request then records as its waiting reasons.
    const created = await callAs(t.custos, ana, 'POST', '/v1/access/requests', {
      purpose: 'support',
      ticketId: 'SUP-1',
      subjects: ['user-1'],
      fields: ['identity.phone'],
      operations: ['read'],
      duration: '4h',
      justification: 'User cannot receive the verification SMS.',
    });
    expect(created.json().request.decision.policies).toEqual(answer.json().policies);
  });

  it('tells the narrow auto-approved case and a plain one-approval case apart', async () => {
    const auto = await preview({ fields: ['profile.name'], duration: '1h' });
    expect(auto.json()).toMatchObject({
      verdict: 'auto_approved',
      tier: 1,
      requirement: null,
      policies: [{ id: 'own-support-ticket', effect: 'permit' }],
    });
    const one = await preview({ fields: ['profile.name'], duration: '2h' });
    expect(one.json()).toMatchObject({
      verdict: 'needs_approval',
      requirement: { approvals: 1, securityApprovals: 0, managementApprovals: 0 },
    });
    const exported = await preview({ fields: ['profile.name'], operations: ['read', 'export'] });
    expect(exported.json().requirement).toMatchObject({ approvals: 2, securityApprovals: 0 });
    expect(exported.json().policies.map((p: { id: string }) => p.id)).toEqual(['export-needs-two']);
  });

  it('answers what creating would refuse as a refused verdict with its code', async () => {
    const self = await preview({ subjects: ['user-100'] });
    expect(self.statusCode).toBe(200);
    expect(self.json()).toMatchObject({ verdict: 'refused', reasons: [{ code: 'subject.self' }] });
    const unknownTicket = await preview({ ticketId: 'SUP-404' });
    expect(unknownTicket.json()).toMatchObject({
      verdict: 'refused',
      reasons: [{ code: 'access.ticket_unknown' }],
    });
    const tooLong = await preview({ duration: '3d' });
    expect(tooLong.json()).toMatchObject({ verdict: 'refused', reasons: [{ code: 'access.scope_invalid' }] });
    const unknownField = await preview({ fields: ['no.such.field'] });
    expect(unknownField.json()).toMatchObject({
      verdict: 'refused',
      reasons: [{ code: 'access.unknown_field' }],
    });
    // Malformed input is still a 400, and people without the create permission are refused.
    expect((await preview({ subjects: [] })).statusCode).toBe(400);
    expect((await preview({ smuggled: true })).statusCode).toBe(400);
    const byApprover = await callAs(t.custos, mia, 'POST', '/v1/access/requests/preview', {
      purpose: 'support',
      ticketId: 'SUP-1',
      subjects: ['user-1'],
      fields: ['identity.phone'],
      operations: ['read'],
      duration: '1h',
    });
    expect(byApprover.statusCode).toBe(403);
    const byKey = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/access/requests/preview',
      headers: { authorization: `Bearer ${serviceKey}` },
      payload: { purpose: 'support', ticketId: 'SUP-1', subjects: ['u'], fields: ['profile.name'] },
    });
    expect(byKey.statusCode).toBe(403);
  });

  it('pages tickets, employees and protected subjects with cursors', async () => {
    for (let i = 2; i <= 5; i++) {
      t.clock.advance(1000);
      await asService('PUT', `/v1/access/tickets/SUP-${i}`, {
        title: `Ticket ${i}`,
        status: i === 3 ? 'closed' : 'open',
        assigneeId: ana.id,
        subjects: ['user-1'],
      });
    }
    const first = await callAs(t.custos, sol, 'GET', '/v1/access/tickets?limit=2');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().tickets.map((x: { id: string }) => x.id)).toEqual(['SUP-5', 'SUP-4']);
    const second = await callAs(
      t.custos,
      sol,
      'GET',
      `/v1/access/tickets?limit=2&cursor=${first.json().next}`,
    );
    expect(second.json().tickets.map((x: { id: string }) => x.id)).toEqual(['SUP-3', 'SUP-2']);
    const third = await callAs(
      t.custos,
      sol,
      'GET',
      `/v1/access/tickets?limit=2&cursor=${second.json().next}`,
    );
    expect(third.json()).toMatchObject({ tickets: [{ id: 'SUP-1' }], next: null });
    const closed = await callAs(t.custos, sol, 'GET', '/v1/access/tickets?status=closed');
    expect(closed.json().tickets.map((x: { id: string }) => x.id)).toEqual(['SUP-3']);
    expect((await callAs(t.custos, sol, 'GET', '/v1/access/tickets?cursor=nonsense')).statusCode).toBe(400);
    expect((await callAs(t.custos, sol, 'GET', '/v1/access/tickets?limit=201')).statusCode).toBe(400);
    expect((await callAs(t.custos, ana, 'GET', '/v1/access/tickets')).statusCode).toBe(403);

    const employees: string[] = [];
    let cursor: string | null = null;
    do {
      const pageUrl: string = `/v1/access/employees?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await asService('GET', pageUrl);
      expect(page.statusCode, page.body).toBe(200);
      employees.push(...page.json().employees.map((e: { userId: string }) => e.userId));
      cursor = page.json().next;
    } while (cursor);
    expect(employees).toEqual([ana.id, mia.id, sol.id].sort());
    expect((await callAs(t.custos, sol, 'GET', '/v1/access/employees')).statusCode).toBe(403);

    // Five protected at the same millisecond, two later: pages never repeat or skip one.
    for (let i = 0; i < 5; i++)
      await asService('PUT', `/v1/access/protected-subjects/vip-${i}`, { category: 'executive' });
    t.clock.advance(1000);
    for (let i = 5; i < 7; i++)
      await asService('PUT', `/v1/access/protected-subjects/vip-${i}`, { category: 'journalist' });
    const seen: string[] = [];
    cursor = null;
    do {
      const pageUrl: string = `/v1/access/protected-subjects?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await callAs(t.custos, sol, 'GET', pageUrl);
      expect(page.statusCode, page.body).toBe(200);
      seen.push(...page.json().subjects.map((s: { subjectId: string }) => s.subjectId));
      cursor = page.json().next;
      // The cursor is a time and a count: no subject id travels in the next page's URL.
      if (cursor) expect(cursor).toMatch(/^\d+\.\d+$/);
    } while (cursor);
    expect(seen).toEqual(['vip-5', 'vip-6', 'vip-0', 'vip-1', 'vip-2', 'vip-3', 'vip-4']);
    expect((await callAs(t.custos, ana, 'GET', '/v1/access/protected-subjects')).statusCode).toBe(403);
  });
});
