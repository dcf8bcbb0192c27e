import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../src/access/reviews.js';
import { issueGrant } from '../support/access.js';
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

const day = 86_400_000;

describe.each(backends)('access review campaigns on %s', (backend) => {
  let t: TestCustos;
  let adm: Person;
  let mia: Person; // approver; manages ana and aud
  let sol: Person; // security analyst
  let ana: Person; // engineer with a long grant and a short one
  let aud: Person; // auditor
  let keyToken: string;
  let longGrant: string;
  let shortGrant: string;

  const person = (username: string, roles: Parameters<typeof addUser>[2]) =>
    signedInPerson(t.custos, username, roles);
  const refresh = async (...people: Person[]) => {
    for (const p of people) p.auth = await signIn(t.custos, p.username);
  };
  const call = (who: Person, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
    callAs(t.custos, who, method, url, payload);

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    adm = await person('adm', ['admin']);
    mia = await person('mia', ['approver']);
    sol = await person('sol', ['analyst']);
    ana = await person('ana', ['engineer']);
    aud = await person('aud', ['auditor']);
    await t.custos.employees.put({
      userId: ana.id,
      platformUserId: null,
      managerId: mia.id,
      team: 'support',
    });
    await t.custos.employees.put({ userId: aud.id, platformUserId: null, managerId: mia.id, team: 'audit' });
    keyToken = (
      await t.custos.apiKeys.create({
        name: 'support-tool',
        roles: ['service'],
        scopes: ['*'],
        createdBy: 'setup',
      })
    ).token;
    const grant = (fields: string[], durationMs: number) =>
      issueGrant(t.custos, {
        actorId: ana.id,
        purpose: 'abuse_investigation',
        ticketId: 'ABU-1',
        subjects: ['user-1'],
        fields,
        operations: ['read'],
        durationMs,
        source: 'approval',
      });
    longGrant = (await grant(['profile.photo'], 3 * day)).id;
    shortGrant = (await grant(['profile.name'], 3_600_000)).id;
  });
  afterEach(async () => {
    await t.dispose();
  });

  const start = (who: Person, body: Record<string, unknown> = {}) =>
    call(who, 'POST', '/v1/access/reviews', {
      name: 'Q4 standing access review',
      duration: '14d',
      grantsLongerThan: '24h',
      reviewers: [sol.id, mia.id],
      ...body,
    });

  it('reviews standing roles, service keys and long grants, each by someone other than its holder', async () => {
    const response = await start(sol);
    expect(response.statusCode, response.body).toBe(201);
    const report = response.json();
    const targets = report.items.map((i: ReviewItem) => `${i.kind}:${i.target}`).sort();
    const keyId = (await t.custos.apiKeys.list())[0]?.id;
    expect(targets).toEqual(
      [
        `grant:${longGrant}`,
        `role:${adm.id}:admin`,
        `role:${mia.id}:approver`,
        `role:${sol.id}:analyst`,
        `role:${aud.id}:auditor`,
        `apikey:${keyId}`,
      ].sort(),
    );
    expect(targets).not.toContain(`grant:${shortGrant}`);
    for (const item of report.items as ReviewItem[]) {
      expect(item.reviewerId, item.target).not.toBeNull();
      expect(item.reviewerId, item.target).not.toBe(item.holderId);
    }
    const byTarget = (target: string) =>
      (report.items as ReviewItem[]).find((i) => i.target === target) as ReviewItem;
    // The long grant goes to ana's manager; sol's own role to the other fallback reviewer.
    expect(byTarget(longGrant).reviewerId).toBe(mia.id);
    expect(byTarget(`${sol.id}:analyst`).reviewerId).toBe(mia.id);
    expect(byTarget(`${aud.id}:auditor`).reviewerId).toBe(mia.id);
    expect(report.totals).toMatchObject({ items: 6, pending: 6 });
  });

  it('revokes what reviewers revoke, and at the deadline whatever nobody confirmed; reports it all', async () => {
    const report = (await start(sol)).json();
    const item = (target: string) =>
      (report.items as ReviewItem[]).find((i) => i.target === target) as ReviewItem;
    const decide = (who: Person, target: string, decision: 'confirm' | 'revoke') =>
      call(who, 'POST', `/v1/access/review-items/${item(target).id}/decision`, {
        decision,
        comment: 'checked',
      });
    const check = () =>
      t.custos.accessCheck.check(
        { actor: ana.id, subject: 'user-1', fields: ['profile.photo'], operation: 'read' },
        'test',
      );

    // Nobody decides an item assigned to someone else; ana holds the grant and reviews nothing.
    expect((await decide(ana, longGrant, 'confirm')).statusCode).toBe(404);
    expect((await decide(sol, longGrant, 'confirm')).statusCode).toBe(404);
    expect((await call(mia, 'GET', '/v1/access/review-items')).json().items.length).toBeGreaterThanOrEqual(3);

    expect((await check()).decision).toBe('permit');
    const revoked = await decide(mia, longGrant, 'revoke');
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json().item).toMatchObject({ decision: 'revoke', outcome: 'revoked' });
    expect((await check()).decision).toBe('deny');
    expect((await decide(mia, longGrant, 'confirm')).statusCode).toBe(409);
    expect((await decide(mia, `${sol.id}:analyst`, 'confirm')).json().item.outcome).toBe('kept');

    // A day before the deadline reviewers are reminded, once.
    t.clock.advance(13 * day + 1);
    expect(await t.custos.accessReviews.sweep()).toEqual({ reminded: 1, closed: 0, expired: 0 });
    expect((await t.custos.accessReviews.sweep()).reminded).toBe(0);

    t.clock.advance(day);
    await refresh(mia);
    expect((await decide(mia, `${aud.id}:auditor`, 'confirm')).statusCode).toBe(409);
    const swept = await t.custos.accessReviews.sweep();
    expect(swept).toMatchObject({ closed: 1, expired: 4 });
    expect(await t.custos.accessReviews.sweep()).toMatchObject({ closed: 0, expired: 0 });

    // Unconfirmed: the auditor and approver roles are gone, the service key no longer works,
    // and the last admin keeps the admin role (a campaign cannot lock everyone out).
    expect((await t.custos.users.get(aud.id)).roles).toEqual([]);
    expect((await t.custos.users.get(mia.id)).roles).toEqual([]);
    expect((await t.custos.users.get(sol.id)).roles).toEqual(['analyst']);
    expect((await t.custos.users.get(adm.id)).roles).toEqual(['admin']);
    const byKey = await t.custos.api.app.inject({
      method: 'GET',
      url: '/v1/access/catalog',
      headers: { authorization: `Bearer ${keyToken}` },
    });
    expect(byKey.statusCode).toBe(401);

    await refresh(sol);
    const final = (await call(sol, 'GET', `/v1/access/reviews/${report.campaign.id}/report`)).json();
    expect(final.campaign.status).toBe('closed');
    expect(final.totals).toEqual({ items: 6, confirmed: 1, revoked: 1, expired: 4, pending: 0 });
    expect(final.items.find((i: ReviewItem) => i.target === `${adm.id}:admin`).outcome).toMatch(/^kept: /);
    const records = await t.custos.store.db
      .selectFrom('ledger_records')
      .select('record_type')
      .where('record_type', 'like', 'access.review%')
      .execute();
    const count = (type: string) => records.filter((r) => r.record_type === type).length;
    expect([
      count('access.review.campaign'),
      count('access.review.decision'),
      count('access.review.closed'),
    ]).toEqual([1, 6, 1]);
  });

  it('retries a revocation that was decided but never carried out', async () => {
    const report = (await start(sol)).json();
    const item = (report.items as ReviewItem[]).find((i) => i.target === longGrant) as ReviewItem;
    // As if the process died between marking the decision and revoking the grant.
    await t.custos.store.db
      .updateTable('access_review_items')
      .set({ decision: 'revoke', decided_at: t.clock.now(), outcome: null })
      .where('id', '=', item.id)
      .execute();
    const check = () =>
      t.custos.accessCheck.check(
        { actor: ana.id, subject: 'user-1', fields: ['profile.photo'], operation: 'read' },
        'test',
      );
    expect((await check()).decision).toBe('permit');
    t.clock.advance(60_000);
    await t.custos.accessReviews.sweep();
    expect((await check()).decision).toBe('deny');
    const after = (await t.custos.accessReviews.report(report.campaign.id)).items.find(
      (i) => i.id === item.id,
    );
    expect(after?.outcome).toBe('revoked');
  });

  it('refuses campaigns with nothing to review, unknown or unfit reviewers, and callers without the role', async () => {
    expect((await start(sol, { grantsLongerThan: undefined, includeRoles: false })).statusCode).toBe(400);
    expect((await start(sol, { reviewers: [ana.id] })).json().code).toBe('request.invalid');
    expect((await start(sol, { reviewers: ['usr_01M80AB0VDK2A2E9N1XT3BFQ6E'] })).statusCode).toBe(400);
    expect((await start(sol, { duration: '1y' })).statusCode).toBe(400);
    expect((await start(mia)).statusCode).toBe(403);
    expect((await start(ana)).statusCode).toBe(403);
    expect((await call(aud, 'GET', '/v1/access/reviews')).statusCode).toBe(200);
  });
});
