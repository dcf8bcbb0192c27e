import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Purpose } from '../../src/access/grants.js';
import { verifyRecordProof } from '../../src/ledger/recordproof.js';
import { issueGrant, register } from '../support/access.js';
import { addUser, createTestCustos, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

interface Listed {
  at: number;
  fields: string[];
  purpose: string;
  accessor: { pseudonym: string; roles: string[]; team: string | null };
  record: { canonical: string; salt: string };
  proof: Parameters<typeof verifyRecordProof>[0];
}

describe.each(backends)('transparency listings on %s', (backend) => {
  let t: TestCustos;
  let serviceKey: string;
  let ana: string;
  let ben: string;
  let leo: string;

  const grant = (actorId: string, subjects: string[], purpose: Purpose, fields = ['identity.phone']) =>
    issueGrant(t.custos, {
      actorId,
      purpose,
      ticketId: 'T-1',
      subjects,
      fields,
      operations: ['read'],
      durationMs: 3_600_000,
      source: 'approval',
    });
  const check = (actor: string, subject: string, fields = ['identity.phone', 'network.ip']) =>
    t.custos.accessCheck.check({ actor, subject, fields, operation: 'read' }, 'test');
  const list = async (subject: string, query = '') => {
    const response = await t.custos.api.app.inject({
      method: 'GET',
      url: `/v1/transparency/subjects/${subject}${query}`,
      headers: { authorization: `Bearer ${serviceKey}` },
    });
    return response;
  };

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    serviceKey = (
      await t.custos.apiKeys.create({ name: 'app', roles: ['service'], scopes: ['*'], createdBy: 'test' })
    ).token;
    ana = (await addUser(t.custos, 'ana', ['engineer'])).id;
    ben = (await addUser(t.custos, 'ben', ['engineer'])).id;
    leo = (await addUser(t.custos, 'leo', ['analyst'])).id;
    for (const [id, team] of [
      [ana, 'support'],
      [ben, 'abuse'],
      [leo, 'security'],
    ] as const) {
      await register(t.custos, id, { team });
    }
    await t.custos.employees.put({
      userId: ana,
      platformUserId: null,
      managerId: null,
      team: 'support-emea',
    });
    await grant(ana, ['user-1', 'user-2'], 'support');
    await grant(leo, ['user-1'], 'legal_request', ['network.ip']);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('lists exactly the permitted accesses to one user, pseudonymously, each with a proof that verifies', async () => {
    expect((await check(ana, 'user-1')).decision).toBe('permit');
    t.clock.advance(1000);
    expect((await check(ana, 'user-1', ['identity.phone'])).decision).toBe('permit');
    expect((await check(ana, 'user-2')).decision).toBe('permit');
    expect((await check(ben, 'user-1')).decision).toBe('deny');
    expect((await check(ana, 'user-3')).decision).toBe('deny');
    t.clock.advance(1);
    expect((await check(leo, 'user-1')).decision).toBe('permit'); // a legal request: on hold

    const response = await list('user-1');
    expect(response.statusCode, response.body).toBe(200);
    const { accesses, next } = response.json() as { accesses: Listed[]; next: string | null };
    expect(next).toBeNull();
    expect(accesses).toHaveLength(2);
    expect(accesses.map((a) => a.at)).toEqual([t.clock.now() - 1, t.clock.now() - 1001]);
    for (const access of accesses) {
      expect(access).toMatchObject({
        fields: ['identity.phone'],
        purpose: 'support',
        accessor: { roles: ['engineer'], team: 'support-emea' },
      });
      expect(verifyRecordProof(access.proof, t.custos.ledger.vkey, access.record)).toMatchObject({
        size: expect.any(Number),
      });
      // A tampered record does not verify against its proof.
      expect(() =>
        verifyRecordProof(access.proof, t.custos.ledger.vkey, {
          ...access.record,
          canonical: access.record.canonical.replace('support', 'debugging'),
        }),
      ).toThrow();
    }
    // The same accessor has one pseudonym towards user-1 and another towards user-2; no id leaks.
    const [first, second] = accesses as [Listed, Listed];
    expect(first.accessor.pseudonym).toMatch(/^acc_[0-9a-f]{20}$/);
    expect(second.accessor.pseudonym).toBe(first.accessor.pseudonym);
    const other = (await list('user-2')).json().accesses as Listed[];
    expect(other).toHaveLength(1);
    expect(other[0]?.accessor.pseudonym).not.toBe(first.accessor.pseudonym);
    expect(response.body).not.toContain(ana);
    expect(response.body).not.toContain('ana');
    expect((await list('user-3')).json().accesses).toEqual([]);

    // After the legal hold, the legal access is listed too.
    t.clock.advance(90 * 86_400_000);
    const later = (await list('user-1')).json().accesses as Listed[];
    expect(later.map((a) => a.purpose)).toEqual(['legal_request', 'support', 'support']);
    expect(later[0]).toMatchObject({
      fields: ['network.ip'],
      accessor: { roles: ['analyst'], team: 'security' },
    });
  });

  it('pages with a cursor, and refuses bad cursors and callers without the permission', async () => {
    for (let i = 0; i < 3; i++) await check(ana, 'user-1');
    const page1 = (await list('user-1', '?limit=2')).json();
    expect(page1.accesses).toHaveLength(2);
    expect(page1.next).toEqual(expect.any(String));
    const page2 = (await list('user-1', `?limit=2&cursor=${encodeURIComponent(page1.next)}`)).json();
    expect(page2.accesses).toHaveLength(1);
    expect(page2.next).toBeNull();
    const ids = [...page1.accesses, ...page2.accesses].map((a: { record: { id: string } }) => a.record.id);
    expect(new Set(ids).size).toBe(3);
    expect((await list('user-1', '?cursor=garbage')).statusCode).toBe(400);
    expect((await list('bad subject id')).statusCode).toBe(400);
    const engineerKey = (await t.custos.apiKeys.create({ name: 'x', roles: ['engineer'], createdBy: 'test' }))
      .token;
    const denied = await t.custos.api.app.inject({
      method: 'GET',
      url: '/v1/transparency/subjects/user-1',
      headers: { authorization: `Bearer ${engineerKey}` },
    });
    expect(denied.statusCode).toBe(403);
  });
});
