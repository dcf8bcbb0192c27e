import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CustosEvent } from '../../src/core/events.js';
import { createTestCustos, sessionHeaders, signedInPerson, type TestCustos } from '../support/app.js';

// The platform's events in: checked against their OCSF class, put on the bus, bad ones refused
// one by one; and who may send them.

describe('POST /v1/events', () => {
  let t: TestCustos;
  let key: string;
  const onBus: CustosEvent[] = [];

  beforeAll(async () => {
    t = await createTestCustos('sqlite', { 'events.batchMax': 5 });
    key = (
      await t.custos.apiKeys.create({
        name: 'platform-events',
        roles: ['service'],
        scopes: ['events.write'],
        createdBy: 'test',
      })
    ).token;
    await t.custos.bus.subscribe('platform.*', async (e) => void onBus.push(e), { name: 'test' });
  });
  afterAll(() => t.dispose());

  const post = (events: unknown[], token = key) =>
    t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${token}` },
      payload: { events },
    });
  const metadata = (uid: string) => ({
    product: { name: 'messenger', vendor_name: 'platform' },
    version: '1.8.0',
    uid,
  });
  const call = (uid: string, extra: Record<string, unknown> = {}) => ({
    class_uid: 99_006_001,
    category_uid: 6,
    activity_id: 4,
    type_uid: 9_900_600_104,
    severity_id: 1,
    time: t.clock.now(),
    metadata: metadata(uid),
    call_uid: `call-${uid}`,
    caller: { uid: 'acct-x' },
    callee: { uid: 'acct-protected' },
    signaling_size: 120_000,
    answered: false,
    in_call_log: false,
    ...extra,
  });

  it('puts good events on the bus and refuses bad ones with their problems', async () => {
    const login = {
      class_uid: 3002,
      category_uid: 3,
      activity_id: 1,
      type_uid: 300_201,
      severity_id: 1,
      time: t.clock.now(),
      metadata: metadata('auth-1'),
      user: { uid: 'acct-1' },
      service: { name: 'login' },
    };
    const answer = await post([
      login,
      call('c-1'),
      call('c-1'),
      { ...login, metadata: metadata('auth-2'), user: { uid: 5 } },
      { ...call('c-2'), time: t.clock.now() - 40 * 86_400_000 },
    ]);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({
      accepted: 2,
      duplicates: 1,
      rejected: [
        { index: 3, problems: [{ path: 'user.uid', message: 'expected string_t (string)' }] },
        { index: 4, problems: [{ path: 'time', message: 'older than 30 days' }] },
      ],
    });
    await vi.waitFor(() => expect(onBus).toHaveLength(2));
    expect(onBus.map((e) => [e.topic, e.metadata.uid])).toEqual([
      ['platform.authentication', 'auth-1'],
      ['platform.call', 'c-1'],
    ]);
    expect(onBus[1]).toMatchObject({ callee: { uid: 'acct-protected' }, signaling_size: 120_000 });
  });

  it('refuses a batch over events.batchMax whole, an empty one, and callers without the scope', async () => {
    const six = Array.from({ length: 6 }, (_, i) => call(`big-${i}`));
    const big = await post(six);
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('request.too_large');
    expect((await post([])).statusCode).toBe(400);
    expect((await post(['not an object'])).statusCode).toBe(400);

    const other = (
      await t.custos.apiKeys.create({
        name: 'other',
        roles: ['service'],
        scopes: ['discovery.check'],
        createdBy: 'test',
      })
    ).token;
    expect((await post([call('x')], other)).statusCode).toBe(403);
    const admin = await signedInPerson(t.custos, 'adm', ['admin']);
    const asAdmin = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: sessionHeaders(admin.auth),
      payload: { events: [call('y')] },
    });
    expect(asAdmin.statusCode).toBe(403);
  });
});
