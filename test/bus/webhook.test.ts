import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deliverWebhook } from '../../src/bus/webhook.js';
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
const secret = `whsec_${randomBytes(32).toString('base64')}`;

/** The Standard Webhooks headers of a delivery, as a receiver hands them to Webhook.verify. */
function headersOf(request: Received): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

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

  it('POSTs the event as JSON with its id in webhook-id and its topic in a header', async () => {
    const sent = event();
    await deliverWebhook({ name: 'siem', url }, sent, options);

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/hooks/custos');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['webhook-id']).toBe(sent.metadata.uid);
    expect(request?.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now() / 1000)));
    expect(request?.headers['x-custos-topic']).toBe('identity.user.created');
    expect(JSON.parse(request?.body ?? '')).toEqual(sent);
  });

  it('sends no signature when the webhook has no secret', async () => {
    await deliverWebhook({ name: 'siem', url }, event(), options);
    expect(received[0]?.headers['webhook-signature']).toBeUndefined();
  });

  describe('signed per Standard Webhooks', () => {
    // Webhook.verify checks the timestamp against the real time, as a receiver would.
    const now = () => ({ timeoutMs: 5000, nowMs: Date.now() });
    // What the library throws for a signature that does not match (not for missing headers).
    const noMatch = new WebhookVerificationError('No matching signature found');

    it('is verified by the standardwebhooks library as a receiver would, returning the event', async () => {
      const sent = event();
      await deliverWebhook({ name: 'siem', url, secret }, sent, now());
      const request = received[0] as Received;
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(new Webhook(secret).verify(request.body, headersOf(request))).toEqual(sent);
    });

    it('is refused by the receiver when the body was changed on the way', async () => {
      await deliverWebhook({ name: 'siem', url, secret }, event(), now());
      const request = received[0] as Received;
      const tampered = request.body.replace('user alice created', 'user mallory created');
      expect(tampered).not.toBe(request.body);
      expect(() => new Webhook(secret).verify(tampered, headersOf(request))).toThrow(
        WebhookVerificationError,
      );
    });

    it('is refused by the receiver when its timestamp is older than the tolerance (a replay)', async () => {
      const tenMinutesAgo = Date.now() - 10 * 60_000;
      await deliverWebhook({ name: 'siem', url, secret }, event(), { timeoutMs: 5000, nowMs: tenMinutesAgo });
      const request = received[0] as Received;
      expect(() => new Webhook(secret).verify(request.body, headersOf(request))).toThrow(
        'Message timestamp too old',
      );
    });

    it('is refused by a receiver holding another secret, or when the id was changed', async () => {
      await deliverWebhook({ name: 'siem', url, secret }, event(), now());
      const request = received[0] as Received;
      const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;
      expect(new Webhook(secret).verify(request.body, headersOf(request))).toBeDefined();
      expect(() => new Webhook(otherSecret).verify(request.body, headersOf(request))).toThrow(noMatch);
      const otherId = { ...headersOf(request), 'webhook-id': newId('evt', clock) };
      expect(() => new Webhook(secret).verify(request.body, otherId)).toThrow(noMatch);
    });

    it('keeps the event id as webhook-id on every retry, so receivers can deduplicate', async () => {
      const sent = event();
      const first = Date.now() - 30_000;
      await deliverWebhook({ name: 'siem', url, secret }, sent, { timeoutMs: 5000, nowMs: first });
      await deliverWebhook({ name: 'siem', url, secret }, sent, { timeoutMs: 5000, nowMs: first + 20_000 });
      const [one, two] = received as [Received, Received];
      expect(one.headers['webhook-id']).toBe(sent.metadata.uid);
      expect(two.headers['webhook-id']).toBe(sent.metadata.uid);
      // Each attempt carries its own time and signature, and both verify.
      expect(Number(two.headers['webhook-timestamp']) - Number(one.headers['webhook-timestamp'])).toBe(20);
      expect(two.headers['webhook-signature']).not.toBe(one.headers['webhook-signature']);
      for (const request of [one, two])
        expect(new Webhook(secret).verify(request.body, headersOf(request))).toEqual(sent);
    });
  });

  describe('in the slack format', () => {
    function breakGlass(message: string): CustosEvent {
      return createEvent({
        uid: newId('evt', clock),
        topic: 'access.breakglass.used',
        classUid: 3005,
        activityId: 1,
        severityId: 4,
        time: clock.now(),
        message,
        payload: { breakGlassId: 'bgl_x' },
      });
    }

    async function deliverToChat(message: string) {
      await deliverWebhook(
        { name: 'secops-chat', url, secret, format: 'slack' },
        breakGlass(message),
        options,
      );
      const request = received[0] as Received;
      return { request, body: JSON.parse(request.body) };
    }

    /** What Slack shows for escaped text: its three entities decoded, and nothing else. */
    const shown = (text: string) =>
      text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&').replaceAll('\u200b', '');

    it('sends a Slack-compatible message, still signed, with the severity and topic', async () => {
      const message = 'BREAK-GLASS: usr_x opened emergency access to 1 user(s)';
      const { request, body } = await deliverToChat(message);
      expect(body.text).toBe(`[Custos] High: ${message}`);
      expect(body.blocks[0]).toEqual({
        type: 'section',
        text: { type: 'plain_text', text: message, emoji: false },
      });
      expect(body.blocks[1].elements[0].text).toContain('`access.breakglass.used`');
      expect(body.blocks[1].elements[0].text).toContain(request.headers['webhook-id']);
      expect(request.headers['x-custos-topic']).toBe('access.breakglass.used');
      expect(request.headers['webhook-signature']).toMatch(/^v1,/);
    });

    const hostile = [
      '<!channel> <https://evil.example|click here> *urgent*',
      '<!here> <!everyone> <!subteam^S0123ABC> <@U0123ABC> <#C0123ABC>',
      'already escaped &lt;!channel&gt; &amp; more',
      '<javascript:alert(1)|open> `code` ~strike~ _italic_ > quoted',
      '@channel @here please look, cc @alice',
      '<https://evil.example>',
    ];

    it.each(hostile)('keeps a typed reason from pinging, linking or formatting: %s', async (reason) => {
      const { body } = await deliverToChat(`BREAK-GLASS: usr_x opened emergency access: ${reason}`);
      // Slack reads mentions and links only between < and >; none are left in formatted fields.
      expect(body.text).not.toMatch(/[<>]/);
      expect(body.text).not.toMatch(/&(?!amp;|lt;|gt;)/);
      expect(body.text).not.toMatch(/@(?!\u200b)\w/);
      // Formatting is off for the text, and links are not previewed.
      expect(body).toMatchObject({ mrkdwn: false, unfurl_links: false, unfurl_media: false });
      // The reason is still shown as typed.
      expect(shown(body.text)).toBe(`[Custos] High: BREAK-GLASS: usr_x opened emergency access: ${reason}`);
      // Plain text is never parsed by Slack: the reason goes there unchanged.
      expect(body.blocks[0].text).toEqual({
        type: 'plain_text',
        text: `BREAK-GLASS: usr_x opened emergency access: ${reason}`,
        emoji: false,
      });
      for (const element of body.blocks[1].elements) {
        expect(element.text).not.toMatch(/[<>]/);
        expect(element.verbatim).toBe(true);
      }
    });

    it('cuts an over-long message before escaping, so no entity is split', async () => {
      const { body } = await deliverToChat(`${'x'.repeat(2898)}<!channel>`);
      expect(body.text.endsWith('xx&lt;!')).toBe(true);
      expect(body.blocks[0].text.text).toHaveLength(2900);
    });
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
