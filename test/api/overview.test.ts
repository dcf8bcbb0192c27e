import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCheckCounts } from '../../src/access/check.counts.js';
import { addUser, callAs, createTestCustos, signedInPerson, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

interface Overview {
  access: {
    standingAccessActors: number;
    activeGrants: { approval: number; breakGlass: number };
    pendingRequests: number;
    breakGlassUnreviewed: number;
  };
  ledger: {
    size: number;
    integrated: number;
    checkpointAgeSeconds: number | null;
    cosignatureAgeSeconds: number | null;
  };
  series: {
    window: string;
    buckets: number[];
    activeGrants: number[];
    checks: { decision: string; reason: string; counts: number[] }[] | null;
  };
}

describe.each(backends)('the overview on %s', (backend) => {
  let t: TestCustos;

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('sums figures and hourly series on the server, withholds check series from engineers, and shows a grant written around Custos', async () => {
    const { custos, clock } = t;
    const ana = await addUser(custos, 'ana', ['engineer']);
    const mia = await addUser(custos, 'mia', ['approver']);
    await custos.employees.put({ userId: mia.id, platformUserId: null, managerId: null, team: 'leads' });
    await custos.employees.put({ userId: ana.id, managerId: mia.id, team: 'support' });
    await custos.tickets.post(
      { id: 'SUP-1', title: 't', status: 'open', assigneeId: ana.id, subjects: ['user-1'] },
      'test',
    );
    const { request } = await custos.accessRequests.create(
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
    await custos.accessRequests.decide(
      request.id,
      { id: mia.id, roles: ['approver'] },
      { decision: 'approve', comment: '' },
    );
    await custos.ledger.awaitIntegration(custos.ledger.sizes().sequenced - 1);
    const check = (subject: string) =>
      custos.accessCheck.check(
        { actor: ana.id, subject, fields: ['profile.photo'], operation: 'read' },
        'test',
      );
    await check('user-1');
    await check('user-2');
    await check('user-3');

    const auditor = await signedInPerson(custos, 'aud', ['auditor']);
    const read = async (who = auditor, query = '') => {
      const response = await callAs(custos, who, 'GET', `/v1/overview${query}`);
      expect(response.statusCode).toBe(200);
      return response.json() as Overview;
    };
    const seen = await read();
    expect(seen.access).toEqual({
      standingAccessActors: 0,
      activeGrants: { approval: 1, breakGlass: 0 },
      pendingRequests: 0,
      breakGlassUnreviewed: 0,
    });
    expect(seen.ledger.size).toBeGreaterThan(0);
    expect(seen.ledger.checkpointAgeSeconds).toBe(0);
    expect(seen.ledger.cosignatureAgeSeconds).toBeNull();
    expect(seen.series.buckets).toHaveLength(24);
    expect(seen.series.activeGrants.at(-1)).toBe(1);
    expect(seen.series.activeGrants.at(0)).toBe(0);
    // Counted in memory, not yet flushed: the node adds its own unflushed counts.
    expect(seen.series.checks).toEqual([
      { decision: 'deny', reason: 'grant.none', counts: [...Array(23).fill(0), 2] },
      { decision: 'permit', reason: 'grant.covers', counts: [...Array(23).fill(0), 1] },
    ]);
    expect((await read(auditor, '?window=7d')).series.buckets).toHaveLength(168);
    expect((await callAs(custos, auditor, 'GET', '/v1/overview?window=1y')).statusCode).toBe(400);

    const engineer = await signedInPerson(custos, 'eve', ['engineer']);
    const engineers = await read(engineer);
    expect(engineers.series.checks).toBeNull();
    expect(engineers.access.standingAccessActors).toBe(0);

    // A grant written straight into the store has no approval trail: standing access.
    const now = clock.now();
    await custos.store.db
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
        expires_at: now + 3_600_000,
        revoked_at: null,
        revoked_by: null,
        revoke_reason: null,
        created_at: now,
        request_id: null,
      })
      .execute();
    expect((await read()).access.standingAccessActors).toBe(1);
  });

  it('keeps check counts across a restart of the counter, adding to rows other nodes wrote', async () => {
    const { custos, clock } = t;
    const hour = clock.now() - (clock.now() % 3_600_000);
    const first = createCheckCounts({ store: custos.store });
    const second = createCheckCounts({ store: custos.store });
    first.record('deny', 'grant.none', hour + 10);
    first.record('deny', 'grant.none', hour + 20);
    first.record('permit', 'grant.covers', hour - 5);
    second.record('deny', 'grant.none', hour + 30);
    await first.flush();
    await second.flush();
    // Nothing is held twice: a second flush adds nothing.
    await first.flush();
    const fresh = createCheckCounts({ store: custos.store });
    const rows = await fresh.between(hour - 3_600_000, hour + 3_600_000);
    expect(rows.sort((a, b) => a.hour - b.hour)).toEqual([
      { hour: hour - 3_600_000, decision: 'permit', reason: 'grant.covers', count: 1 },
      { hour, decision: 'deny', reason: 'grant.none', count: 3 },
    ]);
  });

  it('stores what the access check counted at the next flush, not before', async () => {
    const { custos } = t;
    await custos.ledger.awaitIntegration(custos.ledger.sizes().sequenced - 1);
    const ana = await addUser(custos, 'ana', ['engineer']);
    await custos.employees.put({ userId: ana.id, team: 'support' });
    await custos.accessCheck.check(
      { actor: ana.id, subject: 'user-1', fields: ['profile.photo'], operation: 'read' },
      'test',
    );
    const store = custos.store;
    const before = await store.db.selectFrom('access_check_counts').selectAll().execute();
    expect(before).toEqual([]);
    await custos.accessCheck.check(
      { actor: ana.id, subject: 'user-2', fields: ['profile.photo'], operation: 'read' },
      'test',
    );
    await custos.checkCounts.flush();
    const after = await store.db
      .selectFrom('access_check_counts')
      .select(['decision', 'reason', 'count'])
      .execute();
    expect(after.map((r) => ({ ...r, count: Number(r.count) }))).toEqual([
      { decision: 'deny', reason: 'grant.none', count: 2 },
    ]);
  });
});
