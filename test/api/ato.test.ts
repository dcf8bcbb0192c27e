import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthEventInput } from '../../src/sdk/ato.js';
import { callAs, createTestCustos, type Person, signedInPerson, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

// The takeover defence through its routes, on each store: what the platform sends, what it is
// answered, what the ledger and the console's search then hold, and who may read them.

const home = {
  ip: '8.8.8.8',
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
};

describe.each(backends)('takeover defence API on %s', (backend) => {
  let t: TestCustos;
  let key: string;
  let analyst: Person;
  let engineer: Person;

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    key = (
      await t.custos.apiKeys.create({
        name: 'auth-service',
        roles: ['service'],
        scopes: ['ato.assess', 'ato.takeovers.write'],
        createdBy: 'test',
      })
    ).token;
    analyst = await signedInPerson(t.custos, 'ana', ['analyst']);
    engineer = await signedInPerson(t.custos, 'eve', ['engineer']);
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

  const event = (extra: Partial<AuthEventInput>): AuthEventInput => ({
    type: 'login',
    time: t.clock.now(),
    account: 'acct-1',
    phone: '+447400123456',
    device: 'phone-1',
    outcome: 'success',
    ...home,
    ...extra,
  });

  it('answers an explained decision, records it on the ledger and finds it by account, number and address', async () => {
    const response = await post('/v1/auth/assess', event({ eventId: 'e-1' }));
    expect(response.statusCode).toBe(200);
    const answer = response.json();
    expect(answer).toMatchObject({ id: expect.stringMatching(/^atd_/), duplicate: false, decision: 'allow' });
    expect(answer.reasons.length).toBeGreaterThan(0);
    for (const reason of answer.reasons) expect(typeof reason.contribution).toBe('number');
    const sum = answer.reasons.reduce(
      (total: number, r: { contribution: number }) => total + r.contribution,
      0,
    );
    expect(answer.score).toBeCloseTo(sum, 2);

    const stored = await t.custos.ledger.record('ato.decision', answer.id);
    expect(stored).toBeDefined();
    expect(JSON.parse(stored?.body as string)).toMatchObject({
      decision: 'allow',
      account: 'acct-1',
      phone: '+447400123456',
      ip: '8.8.8.8',
      caller: expect.stringMatching(/^key_/),
    });

    for (const filter of [{ account: 'acct-1' }, { phone: '+447400123456' }, { ip: '8.8.8.8' }]) {
      const found = await callAs(t.custos, analyst, 'POST', '/v1/ato/decisions/search', filter);
      expect(found.statusCode).toBe(200);
      expect(found.json().decisions.map((d: { id: string }) => d.id)).toEqual([answer.id]);
    }
    const detail = await callAs(t.custos, analyst, 'GET', `/v1/ato/decisions/${answer.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      id: answer.id,
      decision: 'allow',
      context: { country: 'US', asn: 15169 },
    });
  });

  it('puts allows in shared batch entries and a challenge in an entry of its own', async () => {
    // Allows that arrive together share one log entry; a lone one is an entry of its own.
    const allows = await Promise.all(
      // Each from a device and network of its own: many accounts on one would be velocity.
      Array.from({ length: 8 }, (_, i) =>
        post(
          '/v1/auth/assess',
          event({ account: `acct-b${i}`, device: `phone-b${i}`, ip: `${i + 20}.1.2.3` }),
        ),
      ),
    );
    // The account lives on phone-1 now; another device registering is the takeover pattern.
    await post('/v1/auth/assess', event({}));
    const challenged = (
      await post(
        '/v1/auth/assess',
        event({ type: 'registration_start', device: 'phone-2', outcome: undefined }),
      )
    ).json();
    expect(challenged.decision, JSON.stringify(challenged.reasons)).toBe('challenge');
    expect(challenged.challenges).toContain('old_device_approval');
    expect(challenged.reasons.map((r: { code: string }) => r.code)).toContain(
      'registration.active_elsewhere',
    );
    const entryOf = async (id: string) => {
      const row = await t.custos.store.db
        .selectFrom('ledger_records as r')
        .innerJoin('ledger_entries as e', 'e.idx', 'r.idx')
        .select(['e.entry as entry'])
        .where('r.record_id', '=', id)
        .executeTakeFirstOrThrow();
      return String(row.entry);
    };
    const allowEntries = await Promise.all(allows.map((response) => entryOf(response.json().id)));
    expect(allows.every((response) => response.json().decision === 'allow')).toBe(true);
    expect(allowEntries.some((entry) => entry.startsWith('custos.batch/v1\n'))).toBe(true);
    expect(await entryOf(challenged.id)).toMatch(/^custos\.record\/v1\nato\.decision\n/);
  });

  it('answers a repeated event id with the first answer and counts it once', async () => {
    const first = (await post('/v1/auth/assess', event({ eventId: 'dup-1' }))).json();
    const again = (await post('/v1/auth/assess', event({ eventId: 'dup-1' }))).json();
    expect(again).toEqual({ ...first, duplicate: true });
    const found = await callAs(t.custos, analyst, 'POST', '/v1/ato/decisions/search', { account: 'acct-1' });
    expect(found.json().decisions).toHaveLength(1);
  });

  it('turns bad numbers, private and reserved addresses and garbage agents into reasons, never errors', async () => {
    const cases: Array<[Partial<AuthEventInput>, string]> = [
      [{ phone: '07400123456' }, 'phone.invalid'],
      [{ ip: '10.1.2.3' }, 'ip.private'],
      [{ ip: 'fd00::1' }, 'ip.private'],
      [{ ip: '192.0.2.7' }, 'ip.reserved'],
      [{ ip: 'not-an-address' }, 'ip.invalid'],
      [{ userAgent: '\u0001\u0002garbage' }, 'agent.unparsed'],
      [{ userAgent: undefined }, 'agent.absent'],
    ];
    for (const [change, code] of cases) {
      const response = await post(
        '/v1/auth/assess',
        event({ type: 'registration_start', outcome: undefined, account: 'acct-new', ...change }),
      );
      expect(response.statusCode, code).toBe(200);
      expect(
        response.json().reasons.map((r: { code: string }) => r.code),
        code,
      ).toContain(code);
    }
  });

  it('refuses malformed events with 400 and a code, and batches over the limit', async () => {
    for (const bad of [
      { ...event({}), type: 'teleport' },
      { ...event({}), time: -1 },
      { ...event({}), time: 'yesterday' },
      { ...event({}), extra: true },
      { ...event({}), userAgent: 'x'.repeat(5000) },
      { ...event({}), account: 'has spaces' },
    ]) {
      const response = await post('/v1/auth/assess', bad);
      expect(response.statusCode, JSON.stringify(bad).slice(0, 80)).toBe(400);
      expect(response.json().code).toBe('request.invalid');
    }
    const batch = Array.from({ length: 1001 }, (_, i) => event({ eventId: `b-${i}` }));
    expect((await post('/v1/auth/assess/batch', { events: batch })).statusCode).toBe(400);
  });

  it('refuses a batch with one bad event whole: nothing assessed, nothing recorded', async () => {
    const events = [event({ eventId: 'ok-1' }), { ...event({ eventId: 'bad-1' }), type: 'teleport' }];
    const response = await post('/v1/auth/assess/batch', { events });
    expect(response.statusCode).toBe(400);
    const rows = await t.custos.store.db.selectFrom('ato_decisions').select('record_id').execute();
    expect(rows).toEqual([]);
  });

  it('refuses a revoked key at once', async () => {
    const { apiKey, token } = await t.custos.apiKeys.create({
      name: 'old-auth-service',
      roles: ['service'],
      scopes: ['ato.assess'],
      createdBy: 'test',
    });
    expect((await post('/v1/auth/assess', event({}), token)).statusCode).toBe(200);
    await t.custos.apiKeys.revoke(apiKey.id, 'test');
    expect((await post('/v1/auth/assess', event({}), token)).statusCode).toBe(401);
  });

  it('assesses a batch in order per account, the answers in the order sent', async () => {
    const events = [
      event({ eventId: 'r-1', device: 'phone-1' }),
      event({ eventId: 'r-2', type: 'registration_start', device: 'phone-9', outcome: undefined }),
    ];
    const response = await post('/v1/auth/assess/batch', { events });
    expect(response.statusCode).toBe(200);
    const [first, second] = response.json().results;
    expect(first.decision).toBe('allow');
    // The second saw the history the first left: the account lives on phone-1.
    expect(second.reasons.map((r: { code: string }) => r.code)).toContain('registration.active_elsewhere');
  });

  it('locks the guessing device after repeated wrong codes, and tells the platform when to retry', async () => {
    let last: { decision: string; retryAfter?: number } | undefined;
    for (let i = 0; i < 6; i++) {
      last = (
        await post(
          '/v1/auth/assess',
          event({
            type: 'otp_verify',
            outcome: 'failure',
            account: undefined,
            device: 'guesser',
            phone: '+447400999888',
          }),
        )
      ).json();
      t.clock.advance(1000);
    }
    expect(last?.decision).toBe('lock_device');
    expect(last?.retryAfter).toBeGreaterThan(0);
  });

  it('records a confirmed takeover, shows it with the account’s decisions, and emits its event', async () => {
    const taken = (
      await post(
        '/v1/auth/assess',
        event({ eventId: 'attack-1', type: 'registration_start', device: 'evil', outcome: undefined }),
      )
    ).json();
    const report = await post('/v1/auth/takeovers', {
      account: 'acct-1',
      happenedAt: t.clock.now(),
      eventId: 'attack-1',
      method: 'sim_swap',
    });
    expect(report.statusCode).toBe(201);
    const takeover = report.json();
    expect(await t.custos.ledger.record('ato.takeover', takeover.id)).toBeDefined();
    const timeline = await callAs(t.custos, analyst, 'GET', `/v1/ato/takeovers/${takeover.id}`);
    expect(timeline.statusCode).toBe(200);
    expect(timeline.json().decisions.map((d: { id: string }) => d.id)).toContain(taken.id);
    const outbox = await t.custos.store.db.selectFrom('outbox').select('topic').execute();
    expect(outbox.map((row) => row.topic)).toContain('ato.takeover.confirmed');

    await t.custos.atoTallies.flush();
    const from = t.clock.now() - 3_600_000;
    const summary = await callAs(
      t.custos,
      analyst,
      'GET',
      `/v1/ato/summary?from=${from}&to=${from + 2 * 3_600_000}`,
    );
    expect(summary.statusCode).toBe(200);
    expect(summary.json().takeovers).toEqual({
      reported: 1,
      matched: 1,
      byDecision: { [taken.decision]: 1 },
    });
    expect(summary.json().counts.reduce((n: number, c: { count: number }) => n + c.count, 0)).toBe(1);
  });

  it('lets only analysts, admins and auditors read, and only service keys with the scope assess', async () => {
    expect((await callAs(t.custos, engineer, 'POST', '/v1/ato/decisions/search', {})).statusCode).toBe(403);
    expect((await callAs(t.custos, engineer, 'GET', '/v1/ato/takeovers')).statusCode).toBe(403);
    // A person cannot call the platform's route, even an analyst.
    expect((await callAs(t.custos, analyst, 'POST', '/v1/auth/assess', { ...event({}) })).statusCode).toBe(
      403,
    );
    const checkOnly = (
      await t.custos.apiKeys.create({ name: 'support-tool', roles: ['service'], createdBy: 'test' })
    ).token;
    expect((await post('/v1/auth/assess', event({}), checkOnly)).statusCode).toBe(403);
    expect((await post('/v1/auth/assess', event({}), 'ck_not_a_key')).statusCode).toBe(401);
  });

  it('keeps what it learnt about an account across a restart', async () => {
    await post('/v1/auth/assess', event({}));
    await t.custos.atoAssess.assess(event({ device: 'phone-1' }), 'test');
    // A new node on the same store: the account's history comes back from the table.
    const { custos } = t;
    await custos.close();
    const again = await createTestCustos(backend, {
      dataDir: custos.config.dataDir,
      ...(backend === 'postgres' ? { 'database.schema': custos.config.database.schema } : {}),
    });
    try {
      const answer = await again.custos.atoAssess.assess(
        event({ type: 'registration_start', device: 'phone-2', outcome: undefined }),
        'test',
      );
      expect(answer.assessment.reasons.map((r) => r.code)).toContain('registration.active_elsewhere');
    } finally {
      await again.custos.close();
    }
    t = { ...t, dispose: async () => undefined };
  });
});
