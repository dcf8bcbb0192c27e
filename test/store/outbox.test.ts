import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { type CustosEvent, createEvent } from '../../src/core/events.js';
import { newId } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import {
  createOutbox,
  createOutboxDispatcher,
  type DeliverFn,
  type DispatcherOptions,
  type Outbox,
  type OutboxRoute,
  retryDelay,
} from '../../src/store/outbox.js';
import { backends, createTestStore, type TestStore } from '../support/services.js';

const logger = createLogger({ level: 'silent', pretty: false });

const routes: OutboxRoute[] = [
  { destination: 'bus', topics: ['*'] },
  { destination: 'webhook:siem', topics: ['identity.*'] },
];

const options: DispatcherOptions = {
  pollIntervalMs: 1000,
  batchSize: 100,
  maxAttempts: 3,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
  leaseMs: 30_000,
};

function event(clock: ManualClock, topic: string): CustosEvent {
  return createEvent({
    uid: newId('evt', clock),
    topic,
    classUid: 3001,
    activityId: 1,
    time: clock.now(),
    message: `test event ${topic}`,
    payload: { note: 'test' },
  });
}

/** A deliver function that records what it was given and fails while `failures` says so. */
function recorder(failures: (call: number) => Error | undefined = () => undefined) {
  const delivered: Array<{ destination: string; uid: string }> = [];
  let calls = 0;
  const deliver: DeliverFn = async (destination, delivery) => {
    calls++;
    const failure = failures(calls);
    if (failure) throw failure;
    delivered.push({ destination, uid: delivery.metadata.uid });
  };
  return { deliver, delivered, calls: () => calls };
}

describe.each(backends)('outbox on %s', (backend) => {
  let t: TestStore;
  let opened: TestStore | undefined;
  let clock: ManualClock;
  let outbox: Outbox;
  beforeEach(async () => {
    t = await createTestStore(backend);
    opened = t;
    clock = createManualClock();
    outbox = createOutbox({ clock, routes });
  });
  afterEach(async () => {
    // Undefined when setting up failed: there is nothing to dispose then.
    await opened?.dispose();
    opened = undefined;
  });

  function dispatcher(deliver: DeliverFn, overrides: Partial<DispatcherOptions> = {}) {
    return createOutboxDispatcher({
      store: t.store,
      clock,
      logger,
      deliver,
      options: { ...options, ...overrides },
    });
  }

  async function enqueue(...topics: string[]): Promise<CustosEvent[]> {
    const events = topics.map((topic) => event(clock, topic));
    await t.store.transaction(async (tx) => {
      for (const e of events) await outbox.enqueue(tx, e);
    });
    return events;
  }

  const rows = () => t.store.db.selectFrom('outbox').selectAll().orderBy('id').execute();

  it('leaves nothing behind when the enqueuing transaction rolls back', async () => {
    const failed = t.store.transaction(async (tx) => {
      await outbox.enqueue(tx, event(clock, 'identity.user.created'));
      throw new Error('the change failed');
    });
    await expect(failed).rejects.toThrow('the change failed');
    expect(await rows()).toEqual([]);
    const { deliver, calls } = recorder();
    expect(await dispatcher(deliver).runOnce()).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(calls()).toBe(0);
  });

  it('writes one row per route whose topics match the event', async () => {
    await enqueue('identity.user.created', 'access.grant.approved');
    const written = await rows();
    expect(written.map((r) => [r.topic, r.destination]).sort()).toEqual([
      ['access.grant.approved', 'bus'],
      ['identity.user.created', 'bus'],
      ['identity.user.created', 'webhook:siem'],
    ]);
    expect(written.every((r) => r.attempts === 0 && r.delivered_at === null)).toBe(true);
  });

  it('gives for a bulk insert the rows enqueue writes, and delivers them like any other', async () => {
    const events = [event(clock, 'identity.user.created'), event(clock, 'access.grant.approved')];
    const bulk = outbox.rows(events);
    expect(bulk.table).toBe('outbox');
    expect(bulk.rows).toHaveLength(3);
    await t.store.insertMany([bulk]);
    const written = await rows();
    expect(written.map((r) => [r.topic, r.destination, JSON.parse(r.payload).metadata.uid]).sort()).toEqual(
      [
        ['access.grant.approved', 'bus', events[1]?.metadata.uid],
        ['identity.user.created', 'bus', events[0]?.metadata.uid],
        ['identity.user.created', 'webhook:siem', events[0]?.metadata.uid],
      ].sort(),
    );
    expect(written.every((r) => r.attempts === 0 && r.next_attempt_at === clock.now())).toBe(true);
    const { deliver, delivered } = recorder();
    expect(await dispatcher(deliver).runOnce()).toEqual({ delivered: 3, retried: 0, dead: 0 });
    expect(delivered).toHaveLength(3);
  });

  it('adds the ledger as a destination to bulk rows asked to be recorded', async () => {
    const bulk = outbox.rows([event(clock, 'access.grant.approved')], { record: true });
    expect(bulk.rows.map((row) => row[bulk.columns.indexOf('destination')]).sort()).toEqual([
      'bus',
      'ledger',
    ]);
  });

  it('delivers each committed event to each matching route exactly once', async () => {
    const [identity, access] = await enqueue('identity.user.created', 'access.grant.approved');
    const { deliver, delivered } = recorder();
    const worker = dispatcher(deliver);
    const deliveredAt = clock.now();

    expect(await worker.runOnce()).toEqual({ delivered: 3, retried: 0, dead: 0 });
    clock.advance(options.leaseMs * 2);
    expect(await worker.runOnce()).toEqual({ delivered: 0, retried: 0, dead: 0 });

    expect(
      delivered.sort((a, b) => `${a.uid}${a.destination}`.localeCompare(`${b.uid}${b.destination}`)),
    ).toEqual(
      [
        { destination: 'bus', uid: identity?.metadata.uid },
        { destination: 'webhook:siem', uid: identity?.metadata.uid },
        { destination: 'bus', uid: access?.metadata.uid },
      ].sort((a, b) => `${a.uid}${a.destination}`.localeCompare(`${b.uid}${b.destination}`)),
    );
    expect((await rows()).every((r) => r.delivered_at === deliveredAt && r.attempts === 1)).toBe(true);
    expect(await worker.backlog()).toEqual({ pending: 0, dead: 0 });
  });

  it('hands the destination the event exactly as it was enqueued', async () => {
    const [sent] = await enqueue('access.grant.approved');
    const received: CustosEvent[] = [];
    await dispatcher(async (_destination, e) => {
      received.push(e);
    }).runOnce();
    expect(received).toEqual([sent]);
  });

  it('retries a failed delivery after its backoff, counting attempts and keeping the last error', async () => {
    await enqueue('access.grant.approved');
    const { deliver, delivered } = recorder((call) =>
      call === 1 ? new Error('receiver is down') : undefined,
    );
    const worker = dispatcher(deliver);
    const failedAt = clock.now();

    expect(await worker.runOnce()).toEqual({ delivered: 0, retried: 1, dead: 0 });
    const [failed] = await rows();
    expect(failed).toMatchObject({
      attempts: 1,
      last_error: 'receiver is down',
      delivered_at: null,
      dead_at: null,
    });
    expect(failed?.next_attempt_at).toBeGreaterThanOrEqual(failedAt + options.backoffBaseMs / 2);
    expect(failed?.next_attempt_at).toBeLessThanOrEqual(failedAt + options.backoffBaseMs);
    expect(await worker.backlog()).toEqual({ pending: 1, dead: 0 });

    // Not due yet: nothing is attempted before the backoff has passed.
    clock.advance(options.backoffBaseMs / 2 - 1);
    expect(await worker.runOnce()).toEqual({ delivered: 0, retried: 0, dead: 0 });

    clock.set(failedAt + options.backoffBaseMs);
    expect(await worker.runOnce()).toEqual({ delivered: 1, retried: 0, dead: 0 });
    expect(delivered).toHaveLength(1);
    const [done] = await rows();
    expect(done).toMatchObject({ attempts: 2, last_error: null, delivered_at: clock.now(), dead_at: null });
  });

  it('marks a delivery dead after maxAttempts failures, stops trying it and reports it in the backlog', async () => {
    await enqueue('access.grant.approved');
    const { deliver, calls } = recorder((call) => new Error(`failure ${call}`));
    const worker = dispatcher(deliver);

    const reports = [];
    for (let i = 0; i < options.maxAttempts; i++) {
      reports.push(await worker.runOnce());
      clock.advance(options.backoffMaxMs);
    }
    expect(reports).toEqual([
      { delivered: 0, retried: 1, dead: 0 },
      { delivered: 0, retried: 1, dead: 0 },
      { delivered: 0, retried: 0, dead: 1 },
    ]);
    const [dead] = await rows();
    expect(dead).toMatchObject({ attempts: 3, last_error: 'failure 3', delivered_at: null });
    expect(dead?.dead_at).not.toBeNull();
    expect(await worker.backlog()).toEqual({ pending: 0, dead: 1 });

    clock.advance(options.backoffMaxMs * 10);
    expect(await worker.runOnce()).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(calls()).toBe(options.maxAttempts);
  });

  it('delivers each row once when two dispatchers race for the same rows', async () => {
    const topics = Array.from({ length: 20 }, (_, i) =>
      i % 2 ? 'identity.user.created' : 'access.grant.approved',
    );
    await enqueue(...topics);
    const total = (await rows()).length;
    const { deliver, delivered } = recorder();
    const [a, b] = [dispatcher(deliver), dispatcher(deliver)];

    const [first, second] = await Promise.all([a.runOnce(), b.runOnce()]);

    expect(first.delivered + second.delivered).toBe(total);
    const keys = delivered.map((d) => `${d.uid} ${d.destination}`);
    expect(new Set(keys).size).toBe(total);
    expect(keys).toHaveLength(total);
    expect(await a.backlog()).toEqual({ pending: 0, dead: 0 });
  });

  it('does not hand a row to a second dispatcher while the first holds its lease', async () => {
    await enqueue('access.grant.approved');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    const slow = dispatcher(async () => {
      started++;
      await held;
    });
    const { deliver, calls } = recorder();

    const running = slow.runOnce();
    await expect.poll(() => started).toBe(1);
    expect(await dispatcher(deliver).runOnce()).toEqual({ delivered: 0, retried: 0, dead: 0 });
    release();
    expect(await running).toEqual({ delivered: 1, retried: 0, dead: 0 });
    expect(calls()).toBe(0);
  });

  it('takes at most batchSize rows per run', async () => {
    await enqueue('access.a', 'access.b', 'access.c');
    const { deliver } = recorder();
    const worker = dispatcher(deliver, { batchSize: 2 });
    expect((await worker.runOnce()).delivered).toBe(2);
    expect((await worker.runOnce()).delivered).toBe(1);
  });
});

describe('retryDelay', () => {
  const always = (value: number) => () => value;

  it('doubles with each attempt', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => retryDelay(attempt, 1000, 600_000, always(1)));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('never exceeds the maximum, however many attempts', () => {
    for (const attempt of [7, 8, 20, 100, 2000]) {
      expect(retryDelay(attempt, 1000, 60_000, always(1))).toBe(60_000);
    }
  });

  it('puts the jitter in the upper half of the delay', () => {
    expect(retryDelay(3, 1000, 60_000, always(0))).toBe(2000);
    expect(retryDelay(3, 1000, 60_000, always(0.5))).toBe(3000);
    expect(retryDelay(20, 1000, 60_000, always(0))).toBe(30_000);
  });

  it('waits the base delay before the first retry', () => {
    expect(retryDelay(1, 250, 60_000, always(1))).toBe(250);
    expect(retryDelay(0, 250, 60_000, always(1))).toBe(250);
  });
});
