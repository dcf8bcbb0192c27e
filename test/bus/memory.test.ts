import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBus } from '../../src/bus/memory.js';
import { createManualClock } from '../../src/core/clock.js';
import type { Bus, CustosEvent } from '../../src/core/events.js';
import { capturedLogger, testEvent } from '../support/bus.js';

const clock = createManualClock();

const event = (topic: string, payload: Record<string, unknown> = {}) => testEvent(clock, topic, payload);

describe('memory bus', () => {
  let bus: Bus;
  let lines: Array<Record<string, unknown>>;
  beforeEach(() => {
    const captured = capturedLogger();
    lines = captured.lines;
    bus = createMemoryBus({ logger: captured.logger, retryBaseMs: 1 });
  });
  afterEach(() => bus.close());

  it('delivers an event to every subscriber whose pattern matches its topic, and to no other', async () => {
    const received: Record<string, string[]> = {};
    const patterns = [
      '*',
      'identity.*',
      'identity.user.*',
      'identity.user.created',
      'access.*',
      'identity.user',
      'identity.user.created.extra',
      'identityx.*',
    ];
    for (const pattern of patterns) {
      received[pattern] = [];
      await bus.subscribe(
        pattern,
        async (e) => {
          received[pattern]?.push(e.topic);
        },
        { name: `consumer ${pattern}` },
      );
    }

    await bus.publish(event('identity.user.created'));
    // close() waits for every delivery in flight, so afterwards nothing more can arrive.
    await bus.close();

    expect(received).toEqual({
      '*': ['identity.user.created'],
      'identity.*': ['identity.user.created'],
      'identity.user.*': ['identity.user.created'],
      'identity.user.created': ['identity.user.created'],
      'access.*': [],
      'identity.user': [],
      'identity.user.created.extra': [],
      'identityx.*': [],
    });
  });

  it('hands the handler the published event with attempt 1', async () => {
    const sent = event('access.grant.approved');
    const received: Array<[CustosEvent, number]> = [];
    await bus.subscribe(
      '*',
      async (e, delivery) => {
        received.push([e, delivery.attempt]);
      },
      { name: 'recorder' },
    );
    await bus.publish(sent);
    await vi.waitFor(() => expect(received).toEqual([[sent, 1]]));
  });

  it('redelivers an event whose handler throws, with the attempt incremented, until it succeeds', async () => {
    const attempts: number[] = [];
    let succeeded = false;
    await bus.subscribe(
      'identity.*',
      async (_e, delivery) => {
        attempts.push(delivery.attempt);
        if (delivery.attempt < 3) throw new Error('not yet');
        succeeded = true;
      },
      { name: 'flaky', maxDeliveries: 5 },
    );
    await bus.publish(event('identity.user.created'));
    await vi.waitFor(() => expect(succeeded).toBe(true));
    await bus.close();
    expect(attempts).toEqual([1, 2, 3]);
    expect(lines).toEqual([]);
  });

  it('gives up on an event after maxDeliveries failed attempts and logs it', async () => {
    const attempts: number[] = [];
    const sent = event('identity.user.created');
    await bus.subscribe(
      '*',
      async (_e, delivery) => {
        attempts.push(delivery.attempt);
        throw new Error('always fails');
      },
      { name: 'broken', maxDeliveries: 3 },
    );
    await bus.publish(sent);
    // The bus logs when it gives up and schedules no further attempt after that.
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toMatchObject({
      msg: 'event handler failed; giving up',
      consumer: 'broken',
      eventId: sent.metadata.uid,
      attempt: 3,
    });
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('keeps delivering to other consumers when one handler keeps failing', async () => {
    const good: string[] = [];
    await bus.subscribe(
      '*',
      async () => {
        throw new Error('always fails');
      },
      { name: 'broken', maxDeliveries: 2 },
    );
    await bus.subscribe(
      '*',
      async (e) => {
        good.push(e.metadata.uid);
      },
      { name: 'good' },
    );
    const sent = event('access.grant.approved');
    await bus.publish(sent);
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(good).toEqual([sent.metadata.uid]);
  });

  it('waits in close() for handlers that are still running', async () => {
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    await bus.subscribe(
      '*',
      async () => {
        started = true;
        await gate;
        order.push('handler finished');
      },
      { name: 'slow' },
    );
    await bus.publish(event('access.grant.approved'));
    await vi.waitFor(() => expect(started).toBe(true));

    const closing = bus.close().then(() => order.push('closed'));
    release();
    await closing;
    expect(order).toEqual(['handler finished', 'closed']);
  });

  it('refuses to publish once closed', async () => {
    await bus.close();
    await expect(bus.publish(event('access.grant.approved'))).rejects.toThrow('closed');
  });

  it('stops delivering to a subscription once it is unsubscribed', async () => {
    const kept: string[] = [];
    const dropped: string[] = [];
    await bus.subscribe(
      '*',
      async (e) => {
        kept.push(e.topic);
      },
      { name: 'kept' },
    );
    const subscription = await bus.subscribe(
      '*',
      async (e) => {
        dropped.push(e.topic);
      },
      { name: 'dropped' },
    );
    await bus.publish(event('access.first'));
    await vi.waitFor(() => expect(dropped).toEqual(['access.first']));

    await subscription.unsubscribe();
    await bus.publish(event('access.second'));
    await bus.close();

    expect(kept).toEqual(['access.first', 'access.second']);
    expect(dropped).toEqual(['access.first']);
  });

  it('does not redeliver to a consumer that unsubscribed after a failure', async () => {
    const attempts: number[] = [];
    const subscription = await bus.subscribe(
      '*',
      async (_e, delivery) => {
        attempts.push(delivery.attempt);
        await subscription.unsubscribe();
        throw new Error('fails once, then leaves');
      },
      { name: 'leaving', maxDeliveries: 5 },
    );
    await bus.publish(event('access.grant.approved'));
    // Giving up is logged, and only then: an unsubscribed consumer gets no retry scheduled.
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toMatchObject({ consumer: 'leaving', attempt: 1 });
    expect(attempts).toEqual([1]);
  });
});
