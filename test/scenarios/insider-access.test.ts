// The seeds' first failure, told end to end against the real store and ledger: ~1,500 engineers
// with standing, unaudited access to users' contact details, IP addresses and photos. With Custos
// nobody holds such access, every look is logged, and the user can see who looked and why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustosEvent } from '../../src/core/events.js';
import { newId } from '../../src/core/ids.js';
import { verifyRecordProof } from '../../src/ledger/recordproof.js';
import {
  addUser,
  createTestCustos,
  type SessionAuth,
  sessionHeaders,
  signIn,
  type TestCustos,
} from '../support/app.js';
import { backends } from '../support/services.js';

const engineers = 1500;
const day = 86_400_000;

describe.each(backends)('the insider-access story on %s', (backend) => {
  let t: TestCustos;
  let toolKey: string; // the support console's service key: it calls the access check
  let deskKey: string; // the support desk: posts tickets
  let appKey: string; // the platform app backend: shows users their transparency listing
  const people: Record<string, { id: string; auth: SessionAuth }> = {};
  const crowd: string[] = [];

  const as = (name: string) => people[name] as { id: string; auth: SessionAuth };
  const call = (name: string, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
    t.custos.api.app.inject({
      method,
      url,
      headers: sessionHeaders(as(name).auth),
      ...(payload ? { payload } : {}),
    });
  const service = (
    key: string,
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: Record<string, unknown>,
  ) =>
    t.custos.api.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(payload ? { payload } : {}),
    });
  const check = async (actor: string, subject: string, fields: string[]) => {
    const response = await service(toolKey, 'POST', '/v1/access/check', {
      actor,
      subject,
      fields,
      operation: 'read',
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as {
      checkId: string;
      decision: string;
      fields: { permitted: string[]; masked: string[] };
      reasons: { code: string }[];
    };
  };
  const eventsOn = async (topic: string): Promise<CustosEvent[]> =>
    (
      await t.custos.store.db
        .selectFrom('outbox')
        .select('payload')
        .where('topic', '=', topic)
        .where('destination', '=', 'bus')
        .execute()
    ).map((row) => JSON.parse(row.payload) as CustosEvent);

  beforeAll(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    const key = async (name: string) =>
      (await t.custos.apiKeys.create({ name, roles: ['service'], scopes: ['*'], createdBy: 'setup' })).token;
    toolKey = await key('support-console');
    deskKey = await key('support-desk');
    appKey = await key('platform-app');
    for (const [name, roles] of [
      ['ana', ['engineer']], // support engineer
      ['cal', ['engineer']], // curious engineer
      ['oli', ['engineer']], // SRE on call
      ['mia', ['approver']], // ana's manager
      ['sol', ['analyst']], // security
      ['aud', ['auditor']],
    ] as const) {
      const user = await addUser(t.custos, name, [...roles]);
      people[name] = { id: user.id, auth: await signIn(t.custos, name) };
    }
    // The directory sync: 1,500 engineers with their own platform accounts, teams and managers.
    for (let i = 0; i < engineers; i++) {
      const id = newId('usr', t.clock);
      crowd.push(id);
      await t.custos.employees.put({
        userId: id,
        platformUserId: `staff-${i}`,
        managerId: as('mia').id,
        team: `team-${i % 40}`,
      });
    }
    // The people of the story: who manages whom, teams, and oli on call for the next 12 hours.
    const staff: [name: string, manager: string | null, team: string, onCall?: true][] = [
      ['ana', 'mia', 'support'],
      ['cal', 'mia', 'growth'],
      ['oli', null, 'sre', true],
      ['mia', null, 'leads'],
      ['sol', null, 'security'],
    ];
    for (const [name, manager, team, onCall] of staff) {
      await t.custos.employees.put({
        userId: as(name).id,
        platformUserId: `staff-${name}`,
        managerId: manager ? as(manager).id : null,
        team,
        ...(onCall ? { onCallUntil: t.clock.now() + 12 * 3_600_000 } : {}),
      });
    }
    // A journalist on the protected list.
    expect(
      (
        await service(deskKey, 'PUT', '/v1/access/protected-subjects/user-journalist', {
          category: 'journalist',
        })
      ).statusCode,
    ).toBe(200);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('gives 1,500 engineers without grants zero permits, and logs every one of their lookups', async () => {
    let permits = 0;
    for (let i = 0; i < engineers; i += 100) {
      const checks = crowd.slice(i, i + 100).map((actor, j) => ({
        actor,
        subject: `user-${(i + j) * 7919}`,
        fields: ['identity.phone', 'network.ip', 'profile.photo'],
        operation: 'read',
      }));
      const response = await service(toolKey, 'POST', '/v1/access/check/batch', { checks });
      expect(response.statusCode).toBe(200);
      const results = response.json().results as { decision: string; fields: { permitted: string[] } }[];
      permits += results.filter((r) => r.decision === 'permit' || r.fields.permitted.length > 0).length;
    }
    expect(permits).toBe(0);
    const logged = await t.custos.store.db
      .selectFrom('ledger_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('record_type', '=', 'access.check')
      .executeTakeFirst();
    expect(Number(logged?.n)).toBe(engineers);
  });

  it('denies and records a curious engineer’s lookup of a journalist, who cannot route around it', async () => {
    const looked = await check(as('cal').id, 'user-journalist', ['identity.phone', 'network.ip']);
    expect(looked).toMatchObject({
      decision: 'deny',
      fields: { permitted: [] },
      reasons: [{ code: 'grant.none' }],
    });
    const proof = await t.custos.ledger.prove('access.check', looked.checkId);
    const stored = await t.custos.ledger.record('access.check', looked.checkId);
    expect(JSON.parse(stored?.body as string)).toMatchObject({
      actor: as('cal').id,
      subject: 'user-journalist',
      decision: 'deny',
    });
    expect(
      verifyRecordProof(proof, t.custos.ledger.vkey, {
        canonical: stored?.body as string,
        salt: stored?.salt as string,
      }),
    ).toBeTruthy();

    // No ticket of his own: no request. Not on call: no break-glass. Never an approver of himself.
    const asked = await call('cal', 'POST', '/v1/access/requests', {
      purpose: 'debugging',
      ticketId: 'SUP-404',
      subjects: ['user-journalist'],
      fields: ['identity.phone'],
      operations: ['read'],
      duration: '1h',
      justification: 'Checking how the profile page renders.',
    });
    expect(asked.statusCode).toBe(409);
    const glass = await call('cal', 'POST', '/v1/access/break-glass', {
      subjects: ['user-journalist'],
      fields: ['identity.phone'],
      duration: '30m',
      reason: 'It is an emergency, trust me, really.',
    });
    expect(glass.statusCode).toBe(403);
    // And a colleague's account is off limits even with a grant in hand.
    const colleague = await check(as('cal').id, 'staff-1', ['profile.photo']);
    expect(colleague.decision).toBe('deny');
  });

  it('lets a support engineer read user X’s contact fields on an approved ticket, nothing of Y, until the ticket closes', async () => {
    expect(
      (
        await service(deskKey, 'PUT', '/v1/access/tickets/SUP-42', {
          title: 'Cannot receive login codes',
          status: 'open',
          assigneeId: as('ana').id,
          subjects: ['user-x'],
        })
      ).statusCode,
    ).toBe(200);
    const created = await call('ana', 'POST', '/v1/access/requests', {
      purpose: 'support',
      ticketId: 'SUP-42',
      subjects: ['user-x'],
      fields: ['identity.phone', 'identity.email'],
      operations: ['read'],
      duration: '4h',
      justification: 'Login codes never arrive; verifying the phone number and email on file.',
    });
    expect(created.statusCode, created.body).toBe(201);
    const requestId = created.json().request.id;
    expect((await check(as('ana').id, 'user-x', ['identity.phone'])).decision).toBe('deny');
    await call('mia', 'POST', `/v1/access/requests/${requestId}/decisions`, { decision: 'approve' });
    const approved = await call('sol', 'POST', `/v1/access/requests/${requestId}/decisions`, {
      decision: 'approve',
    });
    expect(approved.json().request.status).toBe('approved');

    const x = await check(as('ana').id, 'user-x', ['identity.phone', 'identity.email', 'network.ip']);
    expect(x).toMatchObject({
      decision: 'permit',
      fields: { permitted: ['identity.phone', 'identity.email'], masked: ['network.ip'] },
    });
    t.clock.advance(60_000);
    expect((await check(as('ana').id, 'user-x', ['identity.phone'])).decision).toBe('permit');
    expect((await check(as('ana').id, 'user-y', ['identity.phone', 'profile.name'])).decision).toBe('deny');

    await service(deskKey, 'PUT', '/v1/access/tickets/SUP-42', {
      title: 'Cannot receive login codes',
      status: 'closed',
      assigneeId: as('ana').id,
      subjects: ['user-x'],
    });
    expect((await check(as('ana').id, 'user-x', ['identity.phone'])).decision).toBe('deny');
  });

  it('notifies security of a break-glass at once and escalates it when nobody reviews it', async () => {
    const used = await call('oli', 'POST', '/v1/access/break-glass', {
      subjects: ['user-z'],
      fields: ['network.ip'],
      duration: '30m',
      reason: 'Takeover in progress on this account; tracing the attacker IP.',
      incident: 'INC-9',
    });
    expect(used.statusCode, used.body).toBe(201);
    const notified = await eventsOn('access.breakglass.used');
    expect(notified).toHaveLength(1);
    expect(notified[0]?.severity_id).toBe(4);
    expect((await check(as('oli').id, 'user-z', ['network.ip'])).decision).toBe('permit');

    t.clock.advance(day + 1);
    expect(await t.custos.breakGlass.sweep()).toBe(1);
    const escalated = await eventsOn('access.breakglass.escalated');
    expect(escalated.map((e) => e.unmapped.escalation)).toEqual(['unreviewed']);
  });

  it('runs a review campaign that revokes what nobody confirmed', async () => {
    for (const name of ['sol', 'mia', 'aud'])
      people[name] = { ...as(name), auth: await signIn(t.custos, name) };
    const started = await call('sol', 'POST', '/v1/access/reviews', {
      name: 'Standing privilege, quarterly',
      duration: '7d',
      grantsLongerThan: '1h',
      reviewers: [as('sol').id, as('mia').id],
    });
    expect(started.statusCode, started.body).toBe(201);
    const items = started.json().items as { id: string; target: string; reviewerId: string }[];
    const solRole = items.find((i) => i.target === `${as('sol').id}:analyst`);
    expect(solRole?.reviewerId).toBe(as('mia').id);
    await call('mia', 'POST', `/v1/access/review-items/${solRole?.id}/decision`, { decision: 'confirm' });

    t.clock.advance(7 * day);
    const swept = await t.custos.accessReviews.sweep();
    expect(swept.closed).toBe(1);
    expect(swept.expired).toBe(items.length - 1);
    expect((await t.custos.users.get(as('aud').id)).roles).toEqual([]);
    expect((await t.custos.users.get(as('mia').id)).roles).toEqual([]);
    expect((await t.custos.users.get(as('sol').id)).roles).toEqual(['analyst']);
    const stillKey = await service(toolKey, 'POST', '/v1/access/check', {
      actor: as('ana').id,
      subject: 'user-x',
      fields: ['identity.phone'],
      operation: 'read',
    });
    expect(stillKey.statusCode).toBe(401);
  });

  it('shows user X exactly the accesses to X, each with a proof that verifies', async () => {
    const listing = await service(appKey, 'GET', '/v1/transparency/subjects/user-x');
    // The review campaign revoked the platform app's key too: the platform re-issues it.
    expect(listing.statusCode).toBe(401);
    const freshKey = (
      await t.custos.apiKeys.create({
        name: 'platform-app-2',
        roles: ['service'],
        scopes: ['*'],
        createdBy: 'setup',
      })
    ).token;
    const response = await service(freshKey, 'GET', '/v1/transparency/subjects/user-x');
    expect(response.statusCode, response.body).toBe(200);
    const accesses = response.json().accesses as {
      fields: string[];
      purpose: string;
      accessor: { pseudonym: string; roles: string[] };
      record: { canonical: string; salt: string };
      proof: Parameters<typeof verifyRecordProof>[0];
    }[];
    const permitsOnX = await t.custos.store.db
      .selectFrom('ledger_records')
      .select('body')
      .where('record_type', '=', 'access.check')
      .execute()
      .then((rows) =>
        rows
          .map((r) => JSON.parse(r.body as string) as { subject: string; decision: string })
          .filter((b) => b.subject === 'user-x' && b.decision === 'permit'),
      );
    expect(permitsOnX).toHaveLength(2);
    expect(accesses).toHaveLength(2);
    for (const access of accesses) {
      expect(access.purpose).toBe('support');
      expect(access.fields.length).toBeGreaterThan(0);
      expect(access.accessor.pseudonym).toMatch(/^acc_/);
      expect(JSON.stringify(access)).not.toContain(as('ana').id);
      expect(verifyRecordProof(access.proof, t.custos.ledger.vkey, access.record)).toBeTruthy();
    }
    expect((await service(freshKey, 'GET', '/v1/transparency/subjects/user-y')).json().accesses).toEqual([]);
  });
});
