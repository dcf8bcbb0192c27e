import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustosEvent } from '../../src/core/events.js';
import { createClient } from '../../src/sdk/index.js';
import { callAs, createTestCustos, type Person, signedInPerson, type TestCustos } from '../support/app.js';
import { book, run } from '../support/numbers.js';
import { backends } from '../support/services.js';

// The contact-discovery guard through its routes, on each store: what the platform sends, what it
// is answered, what reaches the ledger, and who may call it.

describe.each(backends)('contact-discovery API on %s', (backend) => {
  let t: TestCustos;
  let key: string;
  let analyst: Person;

  beforeEach(async () => {
    t = await createTestCustos(backend, {
      'ledger.maxDelay': '20ms',
      'discovery.quota.allowance': 100,
      'discovery.batchMax': 200,
    });
    key = (
      await t.custos.apiKeys.create({
        name: 'contacts-service',
        roles: ['service'],
        scopes: ['discovery.check'],
        createdBy: 'test',
      })
    ).token;
    analyst = await signedInPerson(t.custos, 'ana', ['analyst']);
  });
  afterEach(async () => {
    await t.dispose();
  });

  const post = (url: string, payload: unknown, token = key) =>
    t.custos.api.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${token}` },
      payload: payload as object,
    });
  const sync = (numbers: string[], extra: Record<string, unknown> = {}) => ({
    account: 'acct-1',
    device: 'dev-1',
    ip: '198.51.100.7',
    numbers,
    mode: 'full',
    time: t.clock.now(),
    ...extra,
  });

  it('answers a sync within the quota whole, and a sync over it in part, on the ledger', async () => {
    const first = await post('/v1/discovery/check', sync(book(0, 60)));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      id: expect.stringMatching(/^dch_/),
      decision: 'allow',
      counts: { numbers: 60, new: 60, known: 0 },
      quotaRemaining: 40,
    });
    // A plain allow is not a ledger record.
    expect(await t.custos.ledger.record('discovery.decision', first.json().id)).toBeUndefined();

    // 30 numbers known, 50 new of which the 40 left fit: 70 answered, in request order.
    const second = await post('/v1/discovery/check', sync(book(30, 80)));
    const answer = second.json();
    expect(answer).toMatchObject({ decision: 'partial', quotaRemaining: 0, retryAfter: 600 });
    expect(answer.allowed).toEqual(Array.from({ length: 70 }, (_, i) => i));
    const third = await post('/v1/discovery/check', sync(book(200, 20)));
    expect(third.json()).toMatchObject({ decision: 'throttle', allowed: [], retryAfter: 600 });
    const stored = await t.custos.ledger.record('discovery.decision', third.json().id);
    expect(JSON.parse(stored?.body as string)).toMatchObject({
      decision: 'throttle',
      account: 'acct-1',
      caller: expect.stringMatching(/^key_/),
      counts: { new: 20 },
      reasons: [{ code: 'quota.exhausted' }],
    });
  });

  it('tells the bus of every decision, with counts and reasons but never the numbers', async () => {
    const seen: CustosEvent[] = [];
    await t.custos.bus.subscribe(
      'discovery.*',
      async (event) => {
        seen.push(event);
      },
      { name: 'test' },
    );
    await post('/v1/discovery/check', sync(book(0, 30)));
    await post('/v1/discovery/check', sync(book(100, 90)));
    await expect.poll(() => seen.length).toBe(2);
    expect(seen.map((e) => e.topic)).toEqual(['discovery.check.allow', 'discovery.check.partial']);
    expect(seen[1]).toMatchObject({
      class_uid: 6003,
      activity_id: 2,
      unmapped: {
        account: 'acct-1',
        decision: 'partial',
        counts: { new: 90 },
        allowed: 70,
        reasons: ['quota.exhausted'],
      },
    });
    expect(JSON.stringify(seen)).not.toContain('+447700');
  });

  it('takes the registered numbers, in the check or afterwards, and answers the hit rate', async () => {
    // Ten numbers whose registration the platform knew at once (two registered)…
    await post('/v1/discovery/check', sync(book(0, 10), { registered: book(0, 10).map((_, i) => i < 2) }));
    // …and ten reported afterwards (two registered): 4 of 20.
    const later = (await post('/v1/discovery/check', sync(book(10, 10)))).json();
    const results = await post('/v1/discovery/results', {
      account: 'acct-1',
      check: later.id,
      registered: [2, 3],
    });
    expect(results.statusCode).toBe(200);
    expect(results.json()).toEqual({ hitRate: 0.2 });
    // A check is reported once, by its own account, with no index twice and no more than it answered.
    const again = await post('/v1/discovery/results', {
      account: 'acct-1',
      check: later.id,
      registered: [1],
    });
    expect(again.statusCode).toBe(404);
    const third = (await post('/v1/discovery/check', sync(book(20, 3)))).json();
    const stranger = await post('/v1/discovery/results', {
      account: 'acct-2',
      check: third.id,
      registered: [1],
    });
    expect(stranger.statusCode).toBe(404);
    const twice = await post('/v1/discovery/results', {
      account: 'acct-1',
      check: third.id,
      registered: [1, 1],
    });
    expect(twice.statusCode).toBe(400);
    const tooMany = await post('/v1/discovery/results', {
      account: 'acct-1',
      check: third.id,
      registered: [0, 1, 2, 3],
    });
    expect(tooMany.statusCode).toBe(400);
  });

  it('refuses empty and oversized batches and malformed fields, and counts malformed numbers', async () => {
    expect((await post('/v1/discovery/check', sync([]))).statusCode).toBe(400);
    const big = await post('/v1/discovery/check', sync(book(0, 201)));
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('request.too_large');
    expect((await post('/v1/discovery/check', sync(book(0, 2), { mode: 'sometimes' }))).statusCode).toBe(400);
    expect((await post('/v1/discovery/check', { ...sync(book(0, 2)), extra: 1 })).statusCode).toBe(400);
    const odd = await post('/v1/discovery/check', sync(['+447700000001', '07700 900123', 'x'.repeat(64)]));
    expect(odd.statusCode).toBe(200);
    expect(odd.json()).toMatchObject({ allowed: [0], counts: { invalid: 2 } });
  });

  it('is for service keys with the scope: a console user and a key without it are refused', async () => {
    expect(
      (await callAs(t.custos, analyst, 'POST', '/v1/discovery/check', sync(book(0, 2)))).statusCode,
    ).toBe(403);
    const other = await t.custos.apiKeys.create({
      name: 'auth-service',
      roles: ['service'],
      scopes: ['ato.assess'],
      createdBy: 'test',
    });
    expect((await post('/v1/discovery/check', sync(book(0, 2)), other.token)).statusCode).toBe(403);
    expect((await post('/v1/discovery/check', sync(book(0, 2)), 'nope')).statusCode).toBe(401);
  });

  it('lets analysts read decisions, offenders, charts, fleets and canary hits, and no one else', async () => {
    await post('/v1/discovery/check', sync(book(0, 60)));
    const over = (await post('/v1/discovery/check', sync(book(100, 60)))).json();
    await post('/v1/discovery/check', sync(run(0, 150), { account: 'bot', device: 'bot' }));
    await t.custos.discoveryTallies.flush();
    const from = t.clock.now() - 3_600_000;
    const to = t.clock.now() + 3_600_000;

    const summary = await callAs(t.custos, analyst, 'GET', `/v1/discovery/summary?from=${from}&to=${to}`);
    expect(summary.statusCode).toBe(200);
    const byDecision: Record<string, number> = {};
    for (const row of summary.json().counts)
      byDecision[row.decision] = (byDecision[row.decision] ?? 0) + row.count;
    expect(byDecision).toEqual({ allow: 1, partial: 1, shadow: 1 });

    const offenders = (
      await callAs(t.custos, analyst, 'GET', `/v1/discovery/offenders?from=${from}&to=${to}`)
    ).json();
    expect(offenders.offenders.map((o: { account: string }) => o.account)).toEqual(['bot', 'acct-1']);
    expect(offenders.offenders[0]).toMatchObject({
      decisions: 1,
      maxScore: 16,
      lastDecision: 'shadow',
      reason: 'enumeration.sweep',
    });

    const search = await callAs(t.custos, analyst, 'POST', '/v1/discovery/decisions/search', {
      account: 'acct-1',
    });
    expect(search.json().decisions).toMatchObject([
      { id: over.id, decision: 'partial', reason: 'quota.exhausted', numbers: 60, allowed: 40 },
    ]);
    const one = await callAs(t.custos, analyst, 'GET', `/v1/discovery/decisions/${over.id}`);
    expect(one.json()).toMatchObject({
      id: over.id,
      decision: 'partial',
      counts: { new: 60 },
      reasons: [{ code: 'quota.exhausted' }],
    });
    expect(one.json().ledgerIndex).toBeGreaterThanOrEqual(0);

    expect((await callAs(t.custos, analyst, 'GET', '/v1/discovery/fleets')).json()).toEqual({ fleets: [] });
    expect((await callAs(t.custos, analyst, 'GET', '/v1/discovery/canary-hits')).json()).toEqual({
      hits: [],
    });

    const engineer = await signedInPerson(t.custos, 'eve', ['engineer']);
    for (const url of [
      `/v1/discovery/summary?from=${from}&to=${to}`,
      '/v1/discovery/fleets',
      '/v1/discovery/canary-hits',
    ]) {
      expect((await callAs(t.custos, engineer, 'GET', url)).statusCode).toBe(403);
    }
    const asService = await t.custos.api.app.inject({
      method: 'GET',
      url: '/v1/discovery/fleets',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(asService.statusCode).toBe(403);
  });

  it('refuses a revoked key at once', async () => {
    const { apiKey, token } = await t.custos.apiKeys.create({
      name: 'old-contacts-service',
      roles: ['service'],
      scopes: ['discovery.check'],
      createdBy: 'test',
    });
    expect((await post('/v1/discovery/check', sync(book(0, 3)), token)).statusCode).toBe(200);
    await t.custos.apiKeys.revoke(apiKey.id, 'test');
    expect((await post('/v1/discovery/check', sync(book(0, 3)), token)).statusCode).toBe(401);
  });

  it('keeps the quota across a restart, and the SDK helper calls the same routes', async () => {
    const url = await t.custos.api.app.listen({ host: '127.0.0.1', port: 0 });
    const client = createClient({ baseUrl: url, apiKey: key, timeoutMs: 30_000 });
    const first = await client.discovery.check({ ...sync(book(0, 80)), mode: 'full' });
    expect(first).toMatchObject({ decision: 'allow', quotaRemaining: 20 });
    expect(
      await client.discovery.reportResults({ account: 'acct-1', check: first.id, registered: [0] }),
    ).toEqual({
      hitRate: 1 / 80,
    });
    const { custos } = t;
    await custos.close();
    const again = await createTestCustos(backend, {
      dataDir: custos.config.dataDir,
      'discovery.quota.allowance': 100,
      'discovery.batchMax': 200,
      ...(backend === 'postgres' ? { 'database.schema': custos.config.database.schema } : {}),
    });
    try {
      const later = await again.custos.discoveryCheck.check(
        {
          account: 'acct-1',
          device: 'dev-1',
          ip: '198.51.100.7',
          numbers: book(40, 70),
          mode: 'incremental',
        },
        'test',
      );
      expect(later).toMatchObject({ decision: 'partial', quotaRemaining: 0, counts: { known: 40, new: 30 } });
      expect(later.allowed).toHaveLength(60);
    } finally {
      await again.custos.close();
    }
    t = { ...t, dispose: async () => undefined };
  });
});
