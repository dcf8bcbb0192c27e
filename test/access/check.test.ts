import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyRecordProof } from '../../src/ledger/recordproof.js';
import { issueGrant, register, revokeGrants } from '../support/access.js';
import { addUser, createTestCustos, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

const hour = 3_600_000;

describe.each(backends)('access check on %s', (backend) => {
  let t: TestCustos;
  let serviceKey: string;
  let engineerId: string;

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    serviceKey = (
      await t.custos.apiKeys.create({
        name: 'support-tool',
        roles: ['service'],
        scopes: ['*'],
        createdBy: 'test',
      })
    ).token;
    engineerId = (await addUser(t.custos, 'sam', ['engineer'])).id;
    await register(t.custos, engineerId, { platformUserId: 'sam-own', team: 'support' });
  });
  afterEach(async () => {
    await t.dispose();
  });

  const check = (body: Record<string, unknown>) =>
    t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/access/check',
      headers: { authorization: `Bearer ${serviceKey}` },
      payload: body,
    });

  it('denies an engineer without a grant, and logs the deny with a proof that verifies', async () => {
    const response = await check({
      actor: engineerId,
      subject: 'user-42',
      fields: ['identity.phone'],
      operation: 'read',
    });
    expect(response.statusCode).toBe(200);
    const result = response.json();
    expect(result).toMatchObject({ decision: 'deny', fields: { permitted: [], masked: ['identity.phone'] } });
    expect(result.reasons[0].code).toBe('grant.none');
    const record = await t.custos.ledger.record('access.check', result.checkId);
    expect(JSON.parse(record?.body as string)).toMatchObject({
      actor: engineerId,
      subject: 'user-42',
      decision: 'deny',
    });
    expect(Number(record?.idx)).toBe(result.ledgerIndex);
    const proof = await t.custos.ledger.prove('access.check', result.checkId);
    expect(() =>
      verifyRecordProof(proof, t.custos.ledger.vkey, {
        canonical: record?.body as string,
        salt: record?.salt as string,
      }),
    ).not.toThrow();
  });

  it('permits only the granted fields of the granted subject, masking the rest', async () => {
    const grant = await issueGrant(t.custos, {
      actorId: engineerId,
      purpose: 'support',
      ticketId: 'TCK-1',
      subjects: ['user-42'],
      fields: ['identity.phone', 'contacts.graph'],
      operations: ['read'],
      durationMs: 2 * hour,
      source: 'approval',
    });
    const granted = (
      await check({
        actor: engineerId,
        subject: 'user-42',
        fields: ['identity.phone', 'network.ip'],
        operation: 'read',
      })
    ).json();
    expect(granted).toMatchObject({
      decision: 'permit',
      grantId: grant.id,
      fields: { permitted: ['identity.phone'], masked: ['network.ip'] },
    });
    expect(granted.reasons.map((r: { code: string }) => r.code)).toEqual([
      'grant.covers',
      'grant.field_not_covered',
    ]);
    const otherSubject = (
      await check({ actor: engineerId, subject: 'user-43', fields: ['identity.phone'], operation: 'read' })
    ).json();
    expect(otherSubject.decision).toBe('deny');
    const exporting = (
      await check({ actor: engineerId, subject: 'user-42', fields: ['identity.phone'], operation: 'export' })
    ).json();
    expect(exporting).toMatchObject({ decision: 'deny', reasons: [{ code: 'grant.operation_not_covered' }] });
  });

  it('stops permitting when the grant expires or is revoked', async () => {
    const body = { actor: engineerId, subject: 'user-7', fields: ['profile.photo'], operation: 'read' };
    const grant = await issueGrant(t.custos, {
      actorId: engineerId,
      purpose: 'abuse_investigation',
      ticketId: 'TCK-2',
      subjects: ['user-7'],
      fields: ['profile.photo'],
      operations: ['read'],
      durationMs: hour,
      source: 'approval',
    });
    expect((await check(body)).json().decision).toBe('permit');
    await revokeGrants(t.custos, [grant.id], 'test', 'ticket closed');
    expect((await check(body)).json().decision).toBe('deny');

    await issueGrant(t.custos, {
      actorId: engineerId,
      purpose: 'abuse_investigation',
      ticketId: 'TCK-3',
      subjects: ['user-7'],
      fields: ['profile.photo'],
      operations: ['read'],
      durationMs: hour,
      source: 'approval',
    });
    expect((await check(body)).json().decision).toBe('permit');
    t.clock.advance(hour);
    expect((await check(body)).json().decision).toBe('deny');
  });

  it('gives fifty engineers without grants zero permits, each check on the ledger', async () => {
    const engineers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.custos.users.create({
          username: `eng${i}`,
          roles: ['engineer'],
          password: 'a long enough pass',
          createdBy: 'test',
        }),
      ),
    );
    const response = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/access/check/batch',
      headers: { authorization: `Bearer ${serviceKey}` },
      payload: {
        checks: engineers.map(({ user }, i) => ({
          actor: user.id,
          subject: `victim-${i}`,
          fields: ['identity.phone', 'network.ip', 'profile.photo'],
          operation: 'read',
        })),
      },
    });
    const results = response.json().results as { decision: string; checkId: string }[];
    expect(results).toHaveLength(50);
    expect(results.filter((r) => r.decision === 'permit')).toEqual([]);
    for (const r of results) expect(await t.custos.ledger.record('access.check', r.checkId)).toBeDefined();
  });

  it('refuses unknown field classes and malformed checks with 4xx, never a permit', async () => {
    const unknown = await check({
      actor: engineerId,
      subject: 'user-1',
      fields: ['identity.phone', 'secrets.all'],
      operation: 'read',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      code: 'access.unknown_field',
      details: { unknownFields: ['secrets.all'] },
    });
    for (const body of [
      { actor: 'sam', subject: 'user-1', fields: ['identity.phone'], operation: 'read' },
      { actor: engineerId, subject: "x' OR 1=1", fields: ['identity.phone'], operation: 'read' },
      { actor: engineerId, subject: 'user-1', fields: [], operation: 'read' },
      { actor: engineerId, subject: 'user-1', fields: ['identity.phone'], operation: 'delete' },
      {
        actor: engineerId,
        subject: 'user-1',
        fields: ['identity.phone'],
        operation: 'read',
        grantId: 'grt_forged',
      },
    ]) {
      const response = await check(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
  });

  it('fails closed with 503 when the ledger cannot record the check', async () => {
    await issueGrant(t.custos, {
      actorId: engineerId,
      purpose: 'support',
      ticketId: 'TCK-4',
      subjects: ['user-9'],
      fields: ['profile.name'],
      operations: ['read'],
      durationMs: hour,
      source: 'approval',
    });
    await t.custos.ledger.close();
    const response = await check({
      actor: engineerId,
      subject: 'user-9',
      fields: ['profile.name'],
      operation: 'read',
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('ledger.unavailable');
    expect(response.body).not.toContain('permit');
  });

  it('refuses grants that name too many subjects, outlast their tier or cover unknown fields', async () => {
    const base = {
      actorId: engineerId,
      purpose: 'support' as const,
      ticketId: 'T',
      operations: ['read' as const],
      source: 'approval' as const,
    };
    await expect(
      issueGrant(t.custos, {
        ...base,
        subjects: Array.from({ length: 101 }, (_, i) => `u${i}`),
        fields: ['profile.name'],
        durationMs: hour,
      }),
    ).rejects.toMatchObject({ code: 'access.scope_invalid' });
    await expect(
      issueGrant(t.custos, { ...base, subjects: ['u1'], fields: ['identity.phone'], durationMs: 25 * hour }),
    ).rejects.toMatchObject({ code: 'access.scope_invalid' });
    await expect(
      issueGrant(t.custos, { ...base, subjects: ['u1'], fields: ['nope.nothing'], durationMs: hour }),
    ).rejects.toMatchObject({ code: 'access.unknown_field' });
  });

  it('serves the catalog to every console role and to services', async () => {
    const response = await t.custos.api.app.inject({
      method: 'GET',
      url: '/v1/access/catalog',
      headers: { authorization: `Bearer ${serviceKey}` },
    });
    const names = response.json().fieldClasses.map((f: { name: string }) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(['identity.phone', 'contacts.graph', 'network.ip', 'profile.photo']),
    );
  });

  const grantFor = (actorId: string, subjects: string[], fields = ['identity.phone']) =>
    issueGrant(t.custos, {
      actorId,
      purpose: 'support',
      ticketId: 'TCK-9',
      subjects,
      fields,
      operations: ['read'],
      durationMs: hour,
      source: 'approval',
    });
  const recordsOfType = async (type: string) =>
    Number(
      (
        await t.custos.store.db
          .selectFrom('ledger_records')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('record_type', '=', type)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('denies an actor missing from the employee registry, with its own reason, whatever grants say', async () => {
    const stranger = (await addUser(t.custos, 'newcomer', ['engineer'])).id;
    await grantFor(stranger, ['user-60']);
    const result = (
      await check({ actor: stranger, subject: 'user-60', fields: ['identity.phone'], operation: 'read' })
    ).json();
    expect(result).toMatchObject({ decision: 'deny', reasons: [{ code: 'actor.unregistered' }] });
    const logged = await t.custos.ledger.record('access.check', result.checkId);
    expect(JSON.parse(logged?.body as string)).toMatchObject({
      decision: 'deny',
      reasons: ['actor.unregistered'],
    });
  });

  it('denies a disabled actor even a grant issued in a race with the disabling', async () => {
    const admin = await addUser(t.custos, 'root', ['admin']);
    await grantFor(engineerId, ['user-61']);
    const body = { actor: engineerId, subject: 'user-61', fields: ['identity.phone'], operation: 'read' };
    expect((await check(body)).json().decision).toBe('permit');
    await t.custos.users.disable(engineerId, admin.id);
    expect((await check(body)).json()).toMatchObject({ decision: 'deny', reasons: [{ code: 'grant.none' }] });
    // A grant that slipped in after the disabling (a decision committed at the same moment).
    await grantFor(engineerId, ['user-61']);
    expect((await check(body)).json()).toMatchObject({
      decision: 'deny',
      reasons: [{ code: 'actor.disabled' }],
    });
  });

  it('compares subject ids in one normal form: User-42 is user-42 for grants, the self rule and disclosures', async () => {
    await grantFor(engineerId, ['User-42']);
    const upper = (
      await check({ actor: engineerId, subject: 'USER-42', fields: ['identity.phone'], operation: 'read' })
    ).json();
    expect(upper.decision).toBe('permit');
    const own = (
      await check({ actor: engineerId, subject: 'SAM-own', fields: ['identity.phone'], operation: 'read' })
    ).json();
    expect(own).toMatchObject({ decision: 'deny', reasons: [{ code: 'subject.self' }] });
    const listing = await t.custos.transparency.list('uSeR-42', { limit: 10 });
    expect(listing.accesses).toHaveLength(1);
  });

  it('runs a batch all or nothing: one invalid check refuses the batch with 400, logging and disclosing nothing', async () => {
    await grantFor(engineerId, ['user-70', 'user-71']);
    const [checksBefore, disclosuresBefore] = [
      await recordsOfType('access.check'),
      await recordsOfType('access.disclosure'),
    ];
    const response = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/access/check/batch',
      headers: { authorization: `Bearer ${serviceKey}` },
      payload: {
        checks: [
          { actor: engineerId, subject: 'user-70', fields: ['identity.phone'], operation: 'read' },
          {
            actor: engineerId,
            subject: 'user-71',
            fields: ['identity.phone', 'no.such_field'],
            operation: 'read',
          },
        ],
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'access.unknown_field' });
    expect(response.body).not.toContain('permit');
    expect(await recordsOfType('access.check')).toBe(checksBefore);
    expect(await recordsOfType('access.disclosure')).toBe(disclosuresBefore);
    expect((await t.custos.transparency.list('user-70', { limit: 10 })).accesses).toHaveLength(0);
  });
});
