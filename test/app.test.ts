import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CustosEvent } from '../src/core/events.js';
import { addUser, createTestCustos, sessionHeaders, signIn, type TestCustos } from './support/app.js';
import { backends } from './support/services.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A webhook receiver on loopback that fails the first `failures` deliveries. `received` holds the
 * accepted deliveries, `attempts` every request, refused ones included.
 */
async function startReceiver(failures: number) {
  const received: Received[] = [];
  const attempts: Received[] = [];
  let remainingFailures = failures;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      attempts.push({ headers: request.headers, body });
      if (remainingFailures > 0) {
        remainingFailures--;
        response.writeHead(503).end();
        return;
      }
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    attempts,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe.each(backends)('events from API changes on %s', (backend) => {
  let t: TestCustos | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('delivers a user-created event after commit to the bus and to a signed webhook, retrying a failure', async () => {
    const receiver = await startReceiver(1);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    t = await createTestCustos(backend, {
      webhooks: [{ name: 'soc', url: receiver.url, topics: ['identity.user.*'], secret }],
      'outbox.backoffBase': '1s',
    });
    const seen: CustosEvent[] = [];
    await t.custos.bus.subscribe('identity.user.*', async (event) => void seen.push(event), { name: 'test' });
    await addUser(t.custos, 'admin1', ['admin']);
    const admin = await signIn(t.custos, 'admin1');
    const created = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: sessionHeaders(admin),
      payload: { username: 'erin', roles: ['engineer'] },
    });
    expect(created.statusCode).toBe(201);

    const first = await t.custos.dispatcher.runOnce();
    // Bus deliveries succeed; the first webhook delivery meets the 503 and is scheduled again.
    expect(first.retried).toBe(1);
    t.clock.advance(1_000);
    await t.custos.dispatcher.runOnce();
    expect(await t.custos.dispatcher.backlog()).toEqual({ pending: 0, dead: 0 });

    await vi.waitFor(() => expect(seen.map((e) => e.unmapped.username)).toEqual(['admin1', 'erin']));
    const erin = seen[1] as CustosEvent;
    expect(erin).toMatchObject({ topic: 'identity.user.created', class_uid: 3001, type_uid: 300101 });
    expect(erin.actor?.user?.uid).toMatch(/^usr_/);

    const bodies = receiver.received.map((r) => JSON.parse(r.body) as CustosEvent);
    expect(bodies.map((b) => b.unmapped.username).sort()).toEqual(['admin1', 'erin']);
    // The refused attempt and its retry carry the same webhook-id, the event's, with their own times.
    const [refused, ...accepted] = receiver.attempts as [Received, ...Received[]];
    const retry = accepted.find((a) => a.headers['webhook-id'] === refused.headers['webhook-id']);
    expect(retry?.body).toBe(refused.body);
    expect(Number(retry?.headers['webhook-timestamp']) - Number(refused.headers['webhook-timestamp'])).toBe(
      1,
    );
    expect(bodies.map((b) => b.metadata.uid).sort()).toEqual(
      receiver.received.map((r) => r.headers['webhook-id']).sort(),
    );
    // Each delivery verifies with the standardwebhooks library, at the time Custos's clock shows.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(t.clock.now());
      for (const delivery of receiver.received) {
        const headers = Object.fromEntries(
          ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [
            h,
            String(delivery.headers[h]),
          ]),
        );
        expect(new Webhook(secret).verify(delivery.body, headers)).toEqual(JSON.parse(delivery.body));
      }
    } finally {
      vi.useRealTimers();
    }
    await receiver.close();
  });
});
