import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addUser, createTestCustos, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

/** The value of one sample in Prometheus text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(backends)('access metrics on %s', (backend) => {
  let t: TestCustos;
  let key: string;

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    key = (
      await t.custos.apiKeys.create({
        name: 'prometheus',
        roles: ['service'],
        scopes: ['*'],
        createdBy: 'test',
      })
    ).token;
  });
  afterEach(async () => {
    await t.dispose();
  });

  const scrape = async () => {
    const response = await t.custos.api.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.statusCode).toBe(200);
    return response.body;
  };

  it('reports zero standing access, grants by source, checks by reason, approval time and break-glass lag', async () => {
    const ana = await addUser(t.custos, 'ana', ['engineer']);
    const mia = await addUser(t.custos, 'mia', ['approver']);
    const oli = await addUser(t.custos, 'oli', ['engineer']);
    await t.custos.employees.put({ userId: mia.id, platformUserId: null, managerId: null, team: 'leads' });
    await t.custos.employees.put({ userId: ana.id, managerId: mia.id, team: 'support' });
    await t.custos.employees.put({
      userId: oli.id,
      platformUserId: null,
      managerId: null,
      team: 'sre',
      onCallUntil: t.clock.now() + 3_600_000,
    });
    await t.custos.tickets.post(
      { id: 'SUP-1', title: 't', status: 'open', assigneeId: ana.id, subjects: ['user-1'] },
      'test',
    );
    const { request } = await t.custos.accessRequests.create(
      {
        purpose: 'support',
        ticketId: 'SUP-1',
        subjects: ['user-1'],
        fields: ['profile.photo'],
        operations: ['read'],
        durationMs: 3_600_000,
        justification: 'Photo upload fails for this user.',
      },
      { id: ana.id, roles: ['engineer'] },
    );
    t.clock.advance(120_000);
    await t.custos.accessRequests.decide(
      request.id,
      { id: mia.id, roles: ['approver'] },
      {
        decision: 'approve',
        comment: '',
      },
    );
    await t.custos.breakGlass.use(
      {
        subjects: ['user-9'],
        fields: ['network.ip'],
        durationMs: 600_000,
        reason: 'Credential stuffing wave from this account.',
      },
      { id: oli.id, roles: ['engineer'] },
    );
    // Time only jumps in a test: let the ledger publish first, or the checks below would find
    // its entries waiting past ledger.staleAfter and permit nothing.
    await t.custos.ledger.awaitIntegration(t.custos.ledger.sizes().sequenced - 1);
    t.clock.advance(300_000);
    const check = (actor: string, subject: string) =>
      t.custos.accessCheck.check({ actor, subject, fields: ['profile.photo'], operation: 'read' }, 'test');
    await check(ana.id, 'user-1');
    await check(ana.id, 'user-2');
    await check(mia.id, 'user-1');

    const text = await scrape();
    expect(sample(text, 'custos_access_standing_access_actors')).toBe(0);
    expect(sample(text, 'custos_access_grants_active{source="approval"}')).toBe(1);
    expect(sample(text, 'custos_access_grants_active{source="break_glass"}')).toBe(1);
    expect(sample(text, 'custos_access_checks_total{decision="permit",reason="grant.covers"}')).toBe(1);
    expect(sample(text, 'custos_access_checks_total{decision="deny",reason="grant.none"}')).toBe(2);
    expect(sample(text, 'custos_access_approval_median_seconds')).toBe(120);
    expect(sample(text, 'custos_access_requests_pending')).toBe(0);
    expect(sample(text, 'custos_access_breakglass_unreviewed')).toBe(1);
    expect(sample(text, 'custos_access_breakglass_review_lag_seconds')).toBe(300);
    expect(sample(text, 'custos_access_breakglass_uses_30d')).toBe(1);

    // A grant written around Custos, straight into the store, shows up as standing access.
    const now = t.clock.now();
    await t.custos.store.db
      .insertInto('access_grants')
      .values({
        id: 'grt_01M80AB0VDK2A2E9N1XT3BFQ6E',
        actor_id: mia.id,
        purpose: 'debugging',
        ticket_id: 'none',
        fields: '["identity.phone"]',
        operations: '["read"]',
        source: 'approval',
        starts_at: now,
        expires_at: now + 365 * 86_400_000,
        revoked_at: null,
        revoked_by: null,
        revoke_reason: null,
        created_at: now,
        request_id: null,
      })
      .execute();
    expect(sample(await scrape(), 'custos_access_standing_access_actors')).toBe(1);
  });
});
