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
