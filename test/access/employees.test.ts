import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { issueGrant } from '../support/access.js';
import { addUser, createTestCustos, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

describe.each(backends)('employee registry on %s', (backend) => {
  let t: TestCustos;
  let ids: Record<'eng' | 'mate' | 'lead' | 'director' | 'stranger', string>;

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    ids = {
      eng: (await addUser(t.custos, 'eng', ['engineer'])).id,
      mate: (await addUser(t.custos, 'mate', ['engineer'])).id,
      lead: (await addUser(t.custos, 'lead', ['engineer'])).id,
      director: (await addUser(t.custos, 'director', ['approver'])).id,
      stranger: (await addUser(t.custos, 'stranger', ['engineer'])).id,
    };
    const { employees } = t.custos;
    await employees.put({
      userId: ids.director,
      platformUserId: 'p-director',
      managerId: null,
      team: 'exec',
    });
    await employees.put({
      userId: ids.lead,
      platformUserId: 'p-lead',
      managerId: ids.director,
      team: 'leads',
    });
    await employees.put({ userId: ids.eng, platformUserId: 'p-eng', managerId: ids.lead, team: 'support' });
    await employees.put({ userId: ids.mate, platformUserId: 'p-mate', managerId: ids.lead, team: 'support' });
    await employees.put({
      userId: ids.stranger,
      platformUserId: 'p-stranger',
      managerId: null,
      team: 'infra',
    });
  });
  afterEach(async () => {
    await t.dispose();
  });

  /** Grants `eng` read of the subject's phone number, then checks it. */
  async function grantAndCheck(subject: string) {
    await issueGrant(t.custos, {
      actorId: ids.eng,
      purpose: 'support',
      ticketId: `T-${subject}`,
      subjects: [subject],
      fields: ['identity.phone'],
      operations: ['read'],
      durationMs: 3_600_000,
      source: 'approval',
    });
    return t.custos.accessCheck.check(
      { actor: ids.eng, subject, fields: ['identity.phone'], operation: 'read' },
      'test',
    );
  }

  it('refuses lookups of oneself, a teammate and the manager chain even with a grant', async () => {
    for (const [subject, code] of [
      ['p-eng', 'subject.self'],
      ['p-mate', 'subject.colleague'],
      ['p-lead', 'subject.manager_chain'],
      ['p-director', 'subject.manager_chain'],
    ] as const) {
      const result = await grantAndCheck(subject);
      expect(result.decision, subject).toBe('deny');
      expect(
        result.reasons.map((r) => r.code),
        subject,
      ).toEqual([code]);
    }
  });

  it('permits a granted lookup of someone outside the team and chain', async () => {
    expect((await grantAndCheck('p-stranger')).decision).toBe('permit');
    expect((await grantAndCheck('user-12345')).decision).toBe('permit');
  });

  it('takes registry entries over the API from the directory sync, and refuses self-management', async () => {
    const { token } = await t.custos.apiKeys.create({
      name: 'directory-sync',
      roles: ['service'],
      scopes: ['*'],
      createdBy: 'test',
    });
    const response = await t.custos.api.app.inject({
      method: 'PUT',
      url: `/v1/access/employees/${ids.stranger}`,
      headers: { authorization: `Bearer ${token}` },
      payload: { platformUserId: 'p-stranger-2', managerId: ids.director, team: 'infra' },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().employee).toMatchObject({
      platformUserId: 'p-stranger-2',
      managerId: ids.director,
    });
    await expect(
      t.custos.employees.put({ userId: ids.eng, platformUserId: null, managerId: ids.eng, team: null }),
    ).rejects.toMatchObject({ code: 'access.employee_invalid' });
  });

  const asDirectory = async (method: 'PUT' | 'PATCH' | 'POST', url: string, payload: unknown) => {
    const { token } = await t.custos.apiKeys.create({
      name: `sync-${Math.random()}`,
      roles: ['service'],
      scopes: ['*'],
      createdBy: 'test',
    });
    return t.custos.api.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      payload: payload as object,
    });
  };

  it('keeps what a resync leaves out: only an explicit null clears a field', async () => {
    const until = t.clock.now() + 3_600_000;
    await t.custos.employees.patch({ userId: ids.eng, onCallUntil: until });
    // The directory knows nothing of on-call times; its resync must not take anyone off call.
    const resync = await asDirectory('PUT', `/v1/access/employees/${ids.eng}`, { team: 'support' });
    expect(resync.statusCode, resync.body).toBe(200);
    expect(resync.json()).toMatchObject({
      created: false,
      employee: { platformUserId: 'p-eng', managerId: ids.lead, team: 'support', onCallUntil: until },
    });
    // Nor blank the fields the self and manager-chain rules stand on.
    expect((await grantAndCheck('p-eng')).reasons.map((r) => r.code)).toEqual(['subject.self']);
    const cleared = await asDirectory('PATCH', `/v1/access/employees/${ids.eng}`, { onCallUntil: null });
    expect(cleared.json().employee).toMatchObject({ onCallUntil: null, platformUserId: 'p-eng' });
    const missing = await asDirectory('PATCH', '/v1/access/employees/usr_01M80AB0VDK2A2E9N1XT3BFQ6E', {
      team: 'x',
    });
    expect(missing.statusCode).toBe(404);
    const fresh = await asDirectory('PUT', '/v1/access/employees/usr_01M80AB0VDK2A2E9N1XT3BFQ6E', {
      team: 'new',
    });
    expect(fresh.json()).toMatchObject({
      created: true,
      employee: { team: 'new', platformUserId: null, managerId: null, onCallUntil: null },
    });
  });

  it('bounds onCallUntil: no shift longer than access.employees.maxOnCallAhead', async () => {
    const tooLong = await asDirectory('PATCH', `/v1/access/employees/${ids.eng}`, {
      onCallUntil: t.clock.now() + 8 * 86_400_000,
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().code).toBe('access.employee_invalid');
    const forEver = await asDirectory('PATCH', `/v1/access/employees/${ids.eng}`, {
      onCallUntil: Number.MAX_SAFE_INTEGER,
    });
    expect(forEver.statusCode).toBe(400);
    expect((await t.custos.employees.get(ids.eng))?.onCallUntil).toBeNull();
  });

  it('takes a directory sync of twenty thousand people in one call, and refuses a bad one whole', async () => {
    const people = Array.from({ length: 20_000 }, (_, i) => ({
      userId: newId('usr', t.clock),
      platformUserId: `p-${i}`,
      managerId: ids.lead,
      team: `team-${i % 300}`,
    }));
    const first = await asDirectory('POST', '/v1/access/employees/sync', { employees: people });
    expect(first.statusCode, first.body.slice(0, 200)).toBe(200);
    expect(first.json()).toEqual({ created: 20_000, updated: 0, unchanged: 0 });
    // The next sync moves a hundred people and leaves out the team everywhere: nothing is blanked.
    const next = people.map((p, i) => ({
      userId: p.userId,
      platformUserId: p.platformUserId,
      managerId: i < 100 ? ids.director : ids.lead,
    }));
    expect((await asDirectory('POST', '/v1/access/employees/sync', { employees: next })).json()).toEqual({
      created: 0,
      updated: 100,
      unchanged: 19_900,
    });
    expect(await t.custos.employees.get(people[5]?.userId as string)).toMatchObject({
      team: 'team-5',
      managerId: ids.director,
    });
    const bad = [...next.slice(0, 10), { userId: ids.eng, managerId: ids.eng }];
    const refused = await asDirectory('POST', '/v1/access/employees/sync', { employees: bad });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'access.employee_invalid', details: { userId: ids.eng } });
    expect(await t.custos.employees.get(ids.eng)).toMatchObject({ managerId: ids.lead });
  });
});
