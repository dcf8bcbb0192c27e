import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DecisionBody } from '../../src/ato/decisions.js';
import { createResponder } from '../../src/ato/response.js';
import { createManualClock } from '../../src/core/clock.js';
import { createOutbox } from '../../src/store/outbox.js';
import { backends, createTestStore, type TestStore } from '../support/services.js';

function body(actions: DecisionBody['actions']): DecisionBody {
  return {
    at: 1_780_000_000_000,
    assessedAt: 1_780_000_000_050,
    eventType: 'login',
    eventId: 'ev-1',
    account: 'acct-1',
    phone: '+447700900123',
    device: 'dev-2',
    ip: '203.0.113.9',
    caller: 'key_1',
    outcome: 'success',
    context: {
      country: 'GB',
      asn: 2856,
      hosting: false,
      ipKind: 'public',
      phoneCountry: 'GB',
      phoneType: 'mobile',
      browser: null,
      os: null,
      deviceType: null,
    },
    decision: 'deny',
    challenges: [],
    retryAfterMs: null,
    score: 13.5,
    reasons: [
      { code: 'model.ip', message: 'new address', contribution: 6 },
      { code: 'model.hour', message: 'usual hour', contribution: -0.5 },
      { code: 'travel.impossible', message: 'too far too fast', contribution: 8 },
    ],
    actions,
  };
}

describe.each(backends)('ato responder on %s', (backend) => {
  let t: TestStore;
  beforeEach(async () => {
    t = await createTestStore(backend);
  });
  afterEach(async () => {
    await t?.dispose();
  });

  const outboxRows = () => t.store.db.selectFrom('outbox').selectAll().orderBy('topic').execute();

  it('writes one outbox event per action for every route that wants it', async () => {
    const clock = createManualClock();
    const outbox = createOutbox({
      clock,
      routes: [
        { destination: 'bus', topics: ['*'] },
        { destination: 'webhook:platform', topics: ['ato.action.notify_user'] },
      ],
    });
    const respond = createResponder({ store: t.store, outbox, clock });
    await respond('atd_1', body(['revoke_other_sessions', 'notify_user']));

    const rows = await outboxRows();
    expect(rows.map((r) => [r.topic, r.destination]).sort()).toEqual([
      ['ato.action.notify_user', 'bus'],
      ['ato.action.notify_user', 'webhook:platform'],
      ['ato.action.revoke_other_sessions', 'bus'],
    ]);
    const revoke = JSON.parse(
      rows.find((r) => r.topic === 'ato.action.revoke_other_sessions')?.payload ?? '{}',
    );
    expect(revoke.severity_id).toBe(4);
    expect(revoke.class_uid).toBe(3002);
    expect(revoke.unmapped).toEqual({
      assessmentId: 'atd_1',
      action: 'revoke_other_sessions',
      account: 'acct-1',
      device: 'dev-2',
      eventType: 'login',
      eventId: 'ev-1',
      at: 1_780_000_000_000,
      decision: 'deny',
      // Only the reasons that pushed towards refusing.
      reasons: ['model.ip', 'travel.impossible'],
    });
    const notify = JSON.parse(rows.find((r) => r.topic === 'ato.action.notify_user')?.payload ?? '{}');
    expect(notify.severity_id).toBe(2);
  });

  it('writes nothing for an assessment without actions', async () => {
    const clock = createManualClock();
    const outbox = createOutbox({ clock, routes: [{ destination: 'bus', topics: ['*'] }] });
    await createResponder({ store: t.store, outbox, clock })('atd_2', body([]));
    expect(await outboxRows()).toEqual([]);
  });
});
