import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
    await t.custos.grants.issue({
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
    ).rejects.toMatchObject({ code: 'request.invalid' });
  });
});
