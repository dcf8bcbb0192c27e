import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustosEvent } from '../../src/core/events.js';
import { accessObservationOf } from '../../src/detect/detector.js';
import { engineerWithProtectedGrant, register } from '../support/access.js';
import { addUser, createTestCustos, type TestCustos } from '../support/app.js';

describe('access checks on the bus', () => {
  let t: TestCustos;
  let engineerId: string;
  const seen: CustosEvent[] = [];

  beforeEach(async () => {
    seen.length = 0;
    t = await createTestCustos('sqlite', { 'ledger.maxDelay': '20ms' });
    engineerId = await engineerWithProtectedGrant(t.custos);
    const colleague = (await addUser(t.custos, 'kim', ['engineer'])).id;
    await register(t.custos, colleague, { platformUserId: 'kim-own', team: 'support' });
    await t.custos.bus.subscribe('access.read.*', async (event) => void seen.push(event), { name: 'test' });
  });
  afterEach(async () => {
    await t.dispose();
  });

  /** Waits until `count` reads were announced (they are told after the check answers). */
  const announced = async (count: number) => {
    await expect.poll(() => seen.length).toBeGreaterThanOrEqual(count);
    return seen;
  };

  it('announces each logged check as a read, with the grant, the team and role, and who the subject is', async () => {
    const permitted = await t.custos.accessCheck.check(
      { actor: engineerId, subject: 'star-1', fields: ['identity.phone'], operation: 'read' },
      'support-tool',
    );
    const refused = await t.custos.accessCheck.check(
      { actor: engineerId, subject: 'kim-own', fields: ['identity.phone'], operation: 'read' },
      'support-tool',
    );
    const [first, second] = await announced(2);
    expect(first).toMatchObject({
      topic: 'access.read.permit',
      class_uid: 6005,
      type_uid: 600502,
      actor: { user: { uid: engineerId } },
      metadata: { correlation_uid: permitted.checkId },
      unmapped: {
        subject: 'star-1',
        fields: ['identity.phone'],
        decision: 'permit',
        purpose: 'support',
        ticket: 'TCK-1',
        team: 'support',
        role: 'engineer',
        protected: true,
        relation: null,
      },
    });
    expect(second).toMatchObject({
      topic: 'access.read.deny',
      metadata: { correlation_uid: refused.checkId },
      unmapped: {
        subject: 'kim-own',
        decision: 'deny',
        relation: 'colleague',
        ticket: null,
        protected: false,
      },
    });
    // The baselines take the permitted read, and not the refused one.
    expect(accessObservationOf(first)).toMatchObject({
      engineer: engineerId,
      team: 'support',
      role: 'engineer',
    });
    expect(accessObservationOf(second)).toBeUndefined();
  });
});

describe('the context of announced reads', () => {
  it('reads an engineer and the protected list once per 30 s, and again at once after a change here', async () => {
    const { createManualClock } = await import('../../src/core/clock.js');
    const { createReadContext } = await import('../../src/access/reads.js');
    const clock = createManualClock(0);
    const asked = { team: 0, role: 0, list: 0 };
    let list = ['star-1'];
    const context = createReadContext({
      clock,
      teamOf: async () => {
        asked.team++;
        return 'support';
      },
      roleOf: async () => {
        asked.role++;
        return 'engineer';
      },
      protectedList: async () => {
        asked.list++;
        return list;
      },
    });
    expect(await context.of('eng-1', 'star-1')).toEqual({
      team: 'support',
      role: 'engineer',
      protected: true,
    });
    expect(await context.of('eng-1', 'usr-2')).toMatchObject({ protected: false });
    expect(asked).toEqual({ team: 1, role: 1, list: 1 });
    list = ['usr-2'];
    clock.set(29_999);
    expect(await context.of('eng-1', 'usr-2')).toMatchObject({ protected: false });
    clock.set(30_001);
    expect(await context.of('eng-1', 'usr-2')).toMatchObject({ protected: true });
    expect(asked).toEqual({ team: 2, role: 2, list: 2 });
    context.forget();
    await context.of('eng-1', 'usr-2');
    expect(asked).toEqual({ team: 3, role: 3, list: 3 });
  });
});
