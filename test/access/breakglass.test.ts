import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustosEvent } from '../../src/core/events.js';
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

describe.each(backends)('break-glass on %s', (backend) => {
  let t: TestCustos;
  let oli: Person; // engineer on call
  let ben: Person; // engineer not on call
  let sol: Person; // security analyst
  let sam: Person; // another analyst, on call

  const person = (username: string, roles: Parameters<typeof addUser>[2]) =>
    signedInPerson(t.custos, username, roles);

  const call = (who: Person, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
    callAs(t.custos, who, method, url, payload);

  const use = (who: Person, body: Record<string, unknown> = {}) =>
    call(who, 'POST', '/v1/access/break-glass', {
      subjects: ['user-1'],
      fields: ['network.ip', 'devices.list'],
      duration: '30m',
      reason: 'Account takeover in progress; tracing the attacker session.',
      incident: 'INC-7',
      ...body,
    });

  const review = (who: Person, id: string, outcome: 'confirmed' | 'rejected') =>
    call(who, 'POST', `/v1/access/break-glass/${id}/review`, { outcome, comment: 'looked at the page log' });

  const check = (actor: string, subject = 'user-1') =>
    t.custos.accessCheck.check({ actor, subject, fields: ['network.ip'], operation: 'read' }, 'test');

  async function events(topic: string): Promise<CustosEvent[]> {
    const rows = await t.custos.store.db
      .selectFrom('outbox')
      .select('payload')
      .where('topic', '=', topic)
      .where('destination', '=', 'bus')
      .execute();
    return rows.map((r) => JSON.parse(r.payload) as CustosEvent);
  }

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    oli = await person('oli', ['engineer']);
    ben = await person('ben', ['engineer']);
    sol = await person('sol', ['analyst']);
    sam = await person('sam', ['analyst']);
    const until = t.clock.now() + 8 * 3_600_000;
    await t.custos.employees.put({
      userId: oli.id,
      platformUserId: 'user-500',
      managerId: null,
      team: 'sre',
      onCallUntil: until,
    });
    await t.custos.employees.put({
      userId: sam.id,
      platformUserId: null,
      managerId: null,
      team: 'security',
      onCallUntil: until,
    });
    await t.custos.employees.put({ userId: ben.id, platformUserId: 'user-501', team: 'sre' });
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('lets an engineer on call open short emergency access and notifies security at once', async () => {
    const response = await use(oli);
    expect(response.statusCode, response.body).toBe(201);
    const { breakGlass, grant, ledgerIndex } = response.json();
    expect(grant).toMatchObject({
      source: 'break_glass',
      actorId: oli.id,
      purpose: 'security_incident',
      operations: ['read'],
      ticketId: 'INC-7',
      expiresAt: t.clock.now() + 30 * 60_000,
    });
    expect(breakGlass).toMatchObject({ reviewDueAt: t.clock.now() + 86_400_000, outcome: null });
    expect(ledgerIndex).toBeGreaterThanOrEqual(0);
    expect((await check(oli.id)).decision).toBe('permit');
    expect((await check(oli.id, 'user-2')).decision).toBe('deny');

    const [used] = await events('access.breakglass.used');
    expect(used).toMatchObject({
      severity_id: 4,
      unmapped: { breakGlassId: breakGlass.id, reason: expect.any(String) },
    });

    // A second review of one use, or a review by an engineer, is refused.
    expect((await review(ben, breakGlass.id, 'confirmed')).statusCode).toBe(403);
    const confirmed = await review(sol, breakGlass.id, 'confirmed');
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json().breakGlass).toMatchObject({ outcome: 'confirmed', reviewedBy: sol.id });
    expect((await review(sam, breakGlass.id, 'rejected')).statusCode).toBe(409);
    t.clock.advance(2 * 86_400_000);
    expect(await t.custos.breakGlass.sweep()).toBe(0);
  });

  it('refuses engineers off call, thin reasons, long or wide grants, protected subjects and oneself', async () => {
    expect((await use(ben)).json()).toMatchObject({ code: 'access.not_on_call' });
    await t.custos.protectedSubjects.put('user-77', 'executive', 'test');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ reason: 'need it' }, 400, 'request.invalid'],
      [{ duration: '2h' }, 400, 'access.scope_invalid'],
      [{ subjects: ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'] }, 400, 'access.scope_invalid'],
      [{ fields: ['identity.nonexistent'] }, 400, 'access.unknown_field'],
      [{ operations: ['export'] }, 400, 'request.invalid'],
      [{ subjects: ['user-77'] }, 403, 'access.denied'],
      [{ subjects: ['user-500'] }, 403, 'access.denied'],
    ];
    for (const [body, status, code] of cases) {
      const response = await use(oli, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().code, JSON.stringify(body)).toBe(code);
    }
    // On call yesterday is not on call today.
    t.clock.advance(9 * 3_600_000);
    oli.auth = await signIn(t.custos, oli.username);
    expect((await use(oli)).json()).toMatchObject({ code: 'access.not_on_call' });
    // Someone missing from the registry cannot be cleared of the self and colleague rules.
    const newcomer = await person('newcomer', ['engineer']);
    expect((await use(newcomer)).json()).toMatchObject({
      code: 'access.denied',
      details: { reason: 'actor.unregistered' },
    });
    expect(await t.custos.grants.list({})).toEqual([]);
  });

  it('revokes and escalates a use security rejects; nobody reviews their own', async () => {
    const own = (await use(sam)).json().breakGlass;
    const self = await review(sam, own.id, 'confirmed');
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('access.denied');

    const { breakGlass } = (await use(oli)).json();
    const rejected = await review(sol, breakGlass.id, 'rejected');
    expect(rejected.json().breakGlass).toMatchObject({ outcome: 'rejected', escalation: 'rejected' });
    expect((await check(oli.id)).decision).toBe('deny');
    const escalations = await events('access.breakglass.escalated');
    expect(escalations).toHaveLength(1);
    expect(escalations[0]).toMatchObject({
      severity_id: 5,
      unmapped: { escalation: 'rejected', actorId: oli.id },
    });
  });

  it('escalates a use nobody reviewed within 24 hours, once, with a ledger record', async () => {
    const { breakGlass } = (await use(oli)).json();
    t.clock.advance(86_400_000 - 1);
    expect(await t.custos.breakGlass.sweep()).toBe(0);
    t.clock.advance(1);
    expect(await t.custos.breakGlass.sweep()).toBe(1);
    expect(await t.custos.breakGlass.sweep()).toBe(0);
    const [escalated] = await events('access.breakglass.escalated');
    expect(escalated?.unmapped).toMatchObject({ breakGlassId: breakGlass.id, escalation: 'unreviewed' });
    // The escalation reaches the ledger through the outbox, with the change that made it.
    await t.custos.dispatcher.runOnce();
    const records = await t.custos.store.db
      .selectFrom('ledger_records')
      .select('record_type')
      .where('record_type', 'like', 'access.breakglass%')
      .execute();
    expect(records.map((r) => r.record_type).sort()).toEqual([
      'access.breakglass',
      'access.breakglass.escalated',
    ]);
    // Pending reviews are listed for security; an engineer sees only their own uses.
    sol.auth = await signIn(t.custos, sol.username);
    ben.auth = await signIn(t.custos, ben.username);
    expect((await call(sol, 'GET', '/v1/access/break-glass?pending=true')).json().uses).toHaveLength(1);
    expect((await call(ben, 'GET', '/v1/access/break-glass')).json().uses).toEqual([]);
  });

  it('rations break-glass per person and on-call window: uses and distinct users, even in parallel', async () => {
    const subjects = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => `user-${from + i}`);
    // Five users each time: the second use reaches ten, the third would reach eleven.
    expect((await use(oli, { subjects: subjects(1, 5) })).statusCode).toBe(201);
    expect((await use(oli, { subjects: subjects(6, 5) })).statusCode).toBe(201);
    const wide = await use(oli, { subjects: ['user-11'] });
    expect(wide.statusCode).toBe(429);
    expect(wide.json()).toMatchObject({
      code: 'access.breakglass_limit',
      details: { usesInWindow: 2, subjectsInWindow: 10 },
    });
    // Users already reached may be reached again, until the uses run out.
    expect((await use(oli, { subjects: ['user-1'] })).statusCode).toBe(201);
    expect((await use(oli, { subjects: ['user-2'] })).json().code).toBe('access.breakglass_limit');
    const refusals = await events('access.breakglass.refused');
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatchObject({ severity_id: 4, unmapped: { actorId: oli.id, reason: 'allowance' } });
    // A new window brings a new allowance.
    t.clock.advance(86_400_000);
    await t.custos.employees.patch({ userId: oli.id, onCallUntil: t.clock.now() + 3_600_000 });
    oli.auth = await signIn(t.custos, oli.username);
    expect((await use(oli, { subjects: ['user-2'] })).statusCode).toBe(201);

    // Six at once from someone else on call: three pass, three are refused.
    await t.custos.employees.patch({ userId: sam.id, onCallUntil: t.clock.now() + 3_600_000 });
    sam.auth = await signIn(t.custos, sam.username);
    const parallel = await Promise.all(
      Array.from({ length: 6 }, (_, i) => use(sam, { subjects: [`user-${100 + i}`] })),
    );
    expect(parallel.map((r) => r.statusCode).sort()).toEqual([201, 201, 201, 429, 429, 429]);
    expect((await t.custos.grants.list({ actorId: sam.id })).length).toBe(3);
  });
});
