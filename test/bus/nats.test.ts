import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createNatsBus, type NatsBusOptions, partitionOf } from '../../src/bus/nats.js';
import { createManualClock } from '../../src/core/clock.js';
import type { Bus, CustosEvent } from '../../src/core/events.js';
import { createLogger } from '../../src/core/logger.js';
import { createTestCustos } from '../support/app.js';
import { capturedLogger, testEvent } from '../support/bus.js';
import { natsUrl, uniqueName } from '../support/services.js';

// The bus on NATS JetStream, against a real server: what the in-process bus promises (delivery by
// pattern, redelivery, giving up), and what only a durable bus can (nodes sharing the work with
// each entity's order kept, duplicates dropped, nothing acknowledged lost across restarts).

const clock = createManualClock();

const event = (topic: string, payload: Record<string, unknown> = {}) => testEvent(clock, topic, payload);

const waitLong = { timeout: 20_000, interval: 20 };

describe.skipIf(!natsUrl)('NATS JetStream bus', () => {
  const opened: Bus[] = [];
  const streams: string[] = [];
  let lines: Array<Record<string, unknown>> = [];

  /** Settings of one test's own stream and subjects, so tests never see each other's events. */
  function settings(): NatsBusOptions {
    const name = uniqueName('custos_test').toUpperCase();
    streams.push(name);
    const captured = capturedLogger();
    lines = captured.lines;
    return {
      logger: captured.logger,
      servers: natsUrl as string,
      stream: name,
      subjectPrefix: name.toLowerCase(),
      partitions: 4,
      maxAgeMs: 3_600_000,
      duplicateWindowMs: 60_000,
      replicas: 1,
      ackWaitMs: 5_000,
      retryBaseMs: 10,
    };
  }
  async function open(options: NatsBusOptions): Promise<Bus> {
    const bus = await createNatsBus(options);
    opened.push(bus);
    return bus;
  }

  afterEach(async () => {
    for (const bus of opened.splice(0)) await bus.close();
  });
  afterAll(async () => {
    const nc = await connect({ servers: natsUrl as string });
    const jsm = await jetstreamManager(nc);
    for (const name of streams) await jsm.streams.delete(name).catch(() => undefined);
    await nc.close();
  });

  it('delivers an event to every subscriber whose pattern matches its topic, and to no other', async () => {
    const bus = await open(settings());
    const received: Record<string, string[]> = {};
    const patterns = [
      '*',
      'identity.*',
      'identity.user.*',
      'identity.user.created',
      'access.*',
      'identity.user',
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
    // A marker every '*' consumer gets after it: once it has arrived, nothing else is coming.
    await bus.publish(event('zz.marker'));
    await vi.waitFor(() => expect(received['*']).toEqual(['identity.user.created', 'zz.marker']), waitLong);
    expect(received).toEqual({
      '*': ['identity.user.created', 'zz.marker'],
      'identity.*': ['identity.user.created'],
      'identity.user.*': ['identity.user.created'],
      'identity.user.created': ['identity.user.created'],
      'access.*': [],
      'identity.user': [],
    });
  });

  it('hands the handler the published event with attempt 1, and refuses topics NATS cannot carry', async () => {
    const bus = await open(settings());
    const sent = event('access.grant.approved', { account: 'u_1', nested: { a: [1, 2] } });
    const received: Array<[CustosEvent, number]> = [];
    await bus.subscribe(
      '*',
      async (e, delivery) => {
        received.push([e, delivery.attempt]);
      },
      { name: 'recorder' },
    );
    await bus.publish(sent);
    await vi.waitFor(() => expect(received).toEqual([[sent, 1]]), waitLong);
    await expect(bus.publish(event('access.grant approved'))).rejects.toThrow('not a bus topic');
    await expect(bus.subscribe('access.>', async () => undefined, { name: 'x' })).rejects.toThrow(
      'not a bus pattern',
    );
  });

  it('redelivers an event whose handler throws, with the attempt incremented, until it succeeds', async () => {
    const bus = await open(settings());
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
    await vi.waitFor(() => expect(succeeded).toBe(true), waitLong);
    expect(attempts).toEqual([1, 2, 3]);
    expect(lines).toEqual([]);
  });

  it('gives up on an event after maxDeliveries failed attempts and logs it', async () => {
    const bus = await open(settings());
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
    await vi.waitFor(() => expect(lines).toHaveLength(1), waitLong);
    expect(lines[0]).toMatchObject({
      msg: 'event handler failed; giving up',
      consumer: 'broken',
      eventId: sent.metadata.uid,
      attempt: 3,
    });
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('waits in close() for handlers that are still running, then refuses to publish', async () => {
    const bus = await createNatsBus(settings());
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
    await vi.waitFor(() => expect(started).toBe(true), waitLong);
    const closing = bus.close().then(() => order.push('closed'));
    release();
    await closing;
    expect(order).toEqual(['handler finished', 'closed']);
    await expect(bus.publish(event('access.grant.approved'))).rejects.toThrow('closed');
  });

  it('stops delivering to a subscription once it is unsubscribed', async () => {
    const bus = await open(settings());
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
    await bus.publish(event('access.first', { account: 'a' }));
    await vi.waitFor(() => expect(dropped).toEqual(['access.first']), waitLong);
    await subscription.unsubscribe();
    await bus.publish(event('access.second', { account: 'a' }));
    await vi.waitFor(() => expect(kept).toEqual(['access.first', 'access.second']), waitLong);
    expect(dropped).toEqual(['access.first']);
  });

  it('shares the work between nodes, once per event, keeping each account’s order', async () => {
    const options = settings();
    const nodes = [await open(options), await open(options)];
    const seen: Array<{ node: number; account: string; seq: number }> = [];
    for (const [node, bus] of nodes.entries()) {
      await bus.subscribe(
        'discovery.*',
        async (e) => {
          seen.push({ node, account: e.unmapped.account as string, seq: e.unmapped.seq as number });
        },
        { name: 'detector' },
      );
    }
    const accounts = Array.from({ length: 12 }, (_, i) => `acct-${i}`);
    expect(new Set(accounts.map((a) => partitionOf(a, options.partitions))).size).toBe(options.partitions);
    let total = 0;
    for (let seq = 0; seq < 15; seq++) {
      for (const account of accounts) {
        await nodes[(seq + total) % 2]?.publish(event('discovery.check.allow', { account, seq }));
        total++;
      }
    }
    await vi.waitFor(() => expect(seen).toHaveLength(total), { timeout: 60_000, interval: 50 });
    for (const account of accounts) {
      expect(seen.filter((s) => s.account === account).map((s) => s.seq)).toEqual(
        Array.from({ length: 15 }, (_, i) => i),
      );
    }
    expect(new Set(seen.map((s) => s.node))).toEqual(new Set([0, 1]));
  });

  it('stores an event published twice once', async () => {
    const bus = await open(settings());
    const got: string[] = [];
    await bus.subscribe(
      '*',
      async (e) => {
        got.push(e.topic);
      },
      { name: 'once' },
    );
    const twice = event('ato.assessment', { account: 'same' });
    await bus.publish(twice);
    await bus.publish(twice);
    // Same key, same partition: the marker comes after anything published before it.
    await bus.publish(event('zz.marker', { account: 'same' }));
    await vi.waitFor(() => expect(got.at(-1)).toBe('zz.marker'), waitLong);
    expect(got).toEqual(['ato.assessment', 'zz.marker']);
  });

  it('keeps what was published while no node consumed, for the next node under the same name', async () => {
    const options = settings();
    const first = await open(options);
    const before: number[] = [];
    const subscription = await first.subscribe(
      '*',
      async (e) => {
        before.push(e.unmapped.n as number);
      },
      { name: 'durable' },
    );
    await first.publish(event('access.check', { n: 0 }));
    await vi.waitFor(() => expect(before).toEqual([0]), waitLong);
    await subscription.unsubscribe();
    await first.close();
    // Custos is down; the platform's events still arrive through another node's publish.
    const publisher = await open(options);
    for (let n = 1; n <= 5; n++) await publisher.publish(event('access.check', { n, account: 'one' }));
    const after: number[] = [];
    const second = await open(options);
    await second.subscribe(
      '*',
      async (e) => {
        after.push(e.unmapped.n as number);
      },
      { name: 'durable' },
    );
    await vi.waitFor(() => expect(after).toEqual([1, 2, 3, 4, 5]), waitLong);
  });
});

describe.skipIf(!natsUrl)('Custos on NATS (nats.url)', () => {
  it('publishes what its domains tell the bus through JetStream', { timeout: 60_000 }, async () => {
    const name = uniqueName('custos_app').toUpperCase();
    const t = await createTestCustos('sqlite', {
      'nats.url': natsUrl as string,
      'nats.stream': name,
      'nats.subjectPrefix': name.toLowerCase(),
      'nats.partitions': 2,
    });
    try {
      const got: string[] = [];
      await t.custos.bus.subscribe(
        'identity.*',
        async (e) => {
          got.push(e.topic);
        },
        { name: 'app-test' },
      );
      await t.custos.apiKeys.create({ name: 'k', roles: ['service'], scopes: [], createdBy: 'test' });
      // The outbox hands the event to the bus once committed.
      await t.custos.dispatcher.runOnce();
      await vi.waitFor(() => expect(got).toContain('identity.apikey.created'), waitLong);
      const nc = await connect({ servers: natsUrl as string });
      const info = await (await jetstreamManager(nc)).streams.info(name);
      expect(info.state.messages).toBeGreaterThan(0);
      await (await jetstreamManager(nc)).streams.delete(name);
      await nc.close();
    } finally {
      await t.dispose();
    }
  });
});

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const natsServerBinary = spawnSync('nats-server', ['--version']).status === 0;
if (!natsServerBinary && process.env.CI === 'true') {
  throw new Error('CI=true but nats-server is not on the PATH: the restart test would be skipped');
}

describe.skipIf(!natsServerBinary)('NATS JetStream bus across a restart of NATS', () => {
  let server: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'custos-nats-'));

  async function startNats(port: number): Promise<void> {
    server = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], {
      stdio: 'ignore',
    });
    await vi.waitFor(
      async () => {
        const nc = await connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false });
        await nc.close();
      },
      { timeout: 15_000, interval: 100 },
    );
  }
  async function stopNats(): Promise<void> {
    const running = server;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  }
  afterAll(async () => {
    await stopNats();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged event, and delivers again once NATS is back', { timeout: 90_000 }, async () => {
    const port = await freePort();
    await startNats(port);
    const bus = await createNatsBus({
      logger: createLogger({ level: 'silent', pretty: false }),
      servers: `nats://127.0.0.1:${port}`,
      stream: 'RESTART',
      subjectPrefix: 'restart',
      partitions: 2,
      maxAgeMs: 3_600_000,
      duplicateWindowMs: 60_000,
      replicas: 1,
      ackWaitMs: 2_000,
      retryBaseMs: 10,
    });
    try {
      const got: number[] = [];
      let hold = true;
      await bus.subscribe(
        '*',
        async (e) => {
          // The first deliveries fail until NATS has been restarted, so they are pending across it.
          if (hold) throw new Error('not yet');
          got.push(e.unmapped.n as number);
        },
        { name: 'survivor', maxDeliveries: 1000 },
      );
      for (let n = 0; n < 5; n++) await bus.publish(event('access.check', { n, account: 'k' }));
      await stopNats();
      // While NATS is down a publish is not acknowledged: it fails (the outbox retries it).
      await expect(
        Promise.race([
          bus.publish(event('access.check', { n: 99, account: 'k' })),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 8_000)),
        ]),
      ).rejects.toThrow();
      await startNats(port);
      hold = false;
      // The bus reconnects by itself; until JetStream has its stream back, publishes fail and are
      // retried, as the outbox retries them.
      for (let n = 5; n < 8; n++) {
        const next = event('access.check', { n, account: 'k' });
        await vi.waitFor(() => bus.publish(next), { timeout: 30_000, interval: 250 });
      }
      await vi.waitFor(() => expect(got.filter((n) => n !== 99)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]), {
        timeout: 60_000,
        interval: 100,
      });
    } finally {
      await bus.close();
    }
  });
});
