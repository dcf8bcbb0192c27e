import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deliverWebhook, signWebhook } from '../../src/bus/webhook.js';
import { createManualClock } from '../../src/core/clock.js';
import { type CustosEvent, createEvent } from '../../src/core/events.js';
import { newId } from '../../src/core/ids.js';

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

const clock = createManualClock(Date.UTC(2026, 10, 22, 9, 0, 0, 750));
const secret = 'webhook-secret-of-32-characters!';

function event(): CustosEvent {
  return createEvent({
    uid: newId('evt', clock),
    topic: 'identity.user.created',
    classUid: 3001,
    activityId: 1,
    time: clock.now(),
    message: 'user alice created',
    payload: { userId: 'usr_x', username: 'alice' },
  });
}

describe('deliverWebhook', () => {
  let server: Server;
  let url: string;
  let received: Received[];
  /** How the receiver answers: a status, or `hang` to never answer. */
  let answer: number | 'hang';

  beforeEach(async () => {
    received = [];
    answer = 204;
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        if (answer === 'hang') return;
        if (answer >= 300 && answer < 400) res.setHeader('location', '/elsewhere');
        res.statusCode = answer;
        res.end(answer === 204 ? undefined : 'answer body');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/custos`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  });

  const options = { timeoutMs: 5000, nowMs: clock.now() };

  it('POSTs the event as JSON with its id and topic in headers', async () => {
    const sent = event();
    await deliverWebhook({ name: 'siem', url }, sent, options);

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/hooks/custos');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-custos-event-id']).toBe(sent.metadata.uid);
    expect(request?.headers['x-custos-topic']).toBe('identity.user.created');
    expect(JSON.parse(request?.body ?? '')).toEqual(sent);
  });

  it('sends a Slack-compatible message, still signed, when the format is slack', async () => {
    const sent = createEvent({
      uid: newId('evt', clock),
      topic: 'access.breakglass.used',
      classUid: 3005,
      activityId: 1,
      severityId: 4,
      time: clock.now(),
      message: 'BREAK-GLASS: usr_x opened emergency access to 1 user(s)',
      payload: { breakGlassId: 'bgl_x' },
    });
    await deliverWebhook({ name: 'secops-chat', url, secret, format: 'slack' }, sent, options);
    const request = received[0] as Received;
    const body = JSON.parse(request.body);
    expect(body.text).toBe('[Custos] High: BREAK-GLASS: usr_x opened emergency access to 1 user(s)');
    expect(body.blocks[0]).toEqual({ type: 'section', text: { type: 'plain_text', text: sent.message } });
    expect(body.blocks[1].elements[0].text).toContain('`access.breakglass.used`');
    expect(body.blocks[1].elements[0].text).toContain(sent.metadata.uid);
    expect(request.headers['x-custos-topic']).toBe('access.breakglass.used');
    expect(request.headers['x-custos-signature']).toBe(
      signWebhook(secret, request.body, Math.floor(clock.now() / 1000)),
    );
  });

  it('sends no signature when the webhook has no secret', async () => {
    await deliverWebhook({ name: 'siem', url }, event(), options);
    expect(received[0]?.headers['x-custos-signature']).toBeUndefined();
  });

  it('signs the exact body and time so that the receiver can verify them with the shared secret', async () => {
    await deliverWebhook({ name: 'siem', url, secret }, event(), options);

    const request = received[0] as Received;
    const signature = request.headers['x-custos-signature'] as string;
    const unixSeconds = Math.floor(clock.now() / 1000);
    expect(signature).toBe(signWebhook(secret, request.body, unixSeconds));
    // Verified independently of signWebhook, the way a receiver would.
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
    expect(match?.[1]).toBe(String(unixSeconds));
    const expected = createHmac('sha256', secret).update(`${match?.[1]}.${request.body}`).digest('hex');
    expect(match?.[2]).toBe(expected);
  });

  it('makes a signature that fails to verify with another secret, body or time', async () => {
    await deliverWebhook({ name: 'siem', url, secret }, event(), options);
    const request = received[0] as Received;
    const signature = request.headers['x-custos-signature'];
    const unixSeconds = Math.floor(clock.now() / 1000);
    expect(signature).not.toBe(signWebhook('another-secret-of-32-characters!', request.body, unixSeconds));
    expect(signature).not.toBe(signWebhook(secret, `${request.body} `, unixSeconds));
    expect(signature).not.toBe(signWebhook(secret, request.body, unixSeconds + 1));
  });

  it.each([200, 201, 202, 204])('resolves when the receiver answers %i', async (status) => {
    answer = status;
    await expect(deliverWebhook({ name: 'siem', url }, event(), options)).resolves.toBeUndefined();
  });

  it.each([301, 302, 400, 401, 404, 410, 500, 503])(
    'throws, naming the webhook and status, when the receiver answers %i',
    async (status) => {
      answer = status;
      await expect(deliverWebhook({ name: 'siem', url }, event(), options)).rejects.toThrow(
        `webhook siem answered ${status}`,
      );
      // A redirect is not followed: it could point the event at an internal address.
      expect(received.map((r) => r.url)).toEqual(['/hooks/custos']);
    },
  );

  it('throws when the receiver does not answer within the timeout', async () => {
    answer = 'hang';
    await expect(
      deliverWebhook({ name: 'siem', url }, event(), { timeoutMs: 50, nowMs: clock.now() }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    // The request did reach the receiver: the failure is its silence, not a refused connection.
    await vi.waitFor(() => expect(received).toHaveLength(1));
  });

  it('throws when nothing listens at the address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      deliverWebhook({ name: 'siem', url: `http://127.0.0.1:${port}/` }, event(), options),
    ).rejects.toThrow();
  });
});
