import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEvent } from '../../src/core/events.js';
import { engineerWithProtectedGrant } from '../support/access.js';
import { createTestCustos, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

describe.each(backends)('live detection on %s', (backend) => {
  let t: TestCustos;
  let engineerId: string;

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    engineerId = await engineerWithProtectedGrant(t.custos);
  });
  afterEach(async () => {
    await t.dispose();
  });

  const read = () =>
    t.custos.accessCheck.check(
      { actor: engineerId, subject: 'star-1', fields: ['identity.phone'], operation: 'read' },
      'support-tool',
    );

  it('raises one alert, on the ledger, for repeated reads of a protected person, and records its triage', async () => {
    const first = await read();
    await read();
    await expect.poll(async () => (await t.custos.alerts.list({ limit: 10 }))[0]?.count).toBe(2);
    const [alert] = await t.custos.alerts.list({ limit: 10 });
    expect(alert).toMatchObject({
      source: 'rule',
      title: "Read of a protected person's data",
      severity: 'high',
      entity: engineerId,
      status: 'new',
      attack: { techniques: ['T1213'] },
    });
    expect(alert?.eventIds).toHaveLength(2);
    const record = await t.custos.ledger.record('detect.alert', alert?.id as string);
    expect(JSON.parse(record?.body as string)).toMatchObject({ id: alert?.id, entity: engineerId, count: 1 });
    expect(first.decision).toBe('permit');

    await expect(
      t.custos.alerts.setStatus(alert?.id as string, { status: 'closed' }, 'usr_x'),
    ).rejects.toThrow(/needs a reason/);
    const closed = await t.custos.alerts.setStatus(
      alert?.id as string,
      { status: 'closed', reason: 'ticket TCK-1 covers it', assignee: 'usr_analyst' },
      'usr_analyst',
    );
    expect(closed).toMatchObject({
      status: 'closed',
      closeReason: 'ticket TCK-1 covers it',
      assignee: 'usr_analyst',
    });
    expect(await t.custos.alerts.list({ status: 'closed', limit: 10 })).toHaveLength(1);
    expect(await t.custos.alerts.list({ status: 'new', limit: 10 })).toHaveLength(0);
    // A read after the close opens a new alert rather than reopening the closed one.
    await read();
    await expect.poll(async () => (await t.custos.alerts.list({ status: 'new', limit: 10 })).length).toBe(1);
  });

  it('counts an event delivered twice once', async () => {
    const event = createEvent({
      uid: 'evt_platform_read_1',
      topic: 'platform.datastore_activity',
      classUid: 6005,
      activityId: 2,
      time: t.clock.now(),
      message: 'a read reported by the platform',
      actor: { user: { uid: 'eng-platform' } },
      payload: {
        subject: 'star-9',
        decision: 'permit',
        protected: true,
        ticket: 'SUP-9',
        fields: ['contact.phone'],
      },
    });
    await t.custos.bus.publish(event);
    await t.custos.bus.publish(event);
    await expect.poll(async () => (await t.custos.alerts.list({ limit: 10 })).length).toBe(1);
    // Another read, so that the second delivery has certainly been handled before counting.
    await t.custos.bus.publish({ ...event, metadata: { ...event.metadata, uid: 'evt_platform_read_2' } });
    await expect.poll(async () => (await t.custos.alerts.list({ limit: 10 }))[0]?.count).toBe(2);
    expect((await t.custos.alerts.list({ limit: 10 }))[0]?.eventIds).toEqual([
      'evt_platform_read_1',
      'evt_platform_read_2',
    ]);
  });
});
