import { createHmac } from 'node:crypto';
import type { CustosEvent } from '../core/events.js';

export interface WebhookTarget {
  name: string;
  url: string;
  secret?: string | undefined;
}

/**
 * The signature header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. Binding
 * the time into the MAC lets receivers reject replays older than they tolerate.
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** POSTs one event to a webhook; resolves on any 2xx and throws otherwise (the outbox retries). */
export async function deliverWebhook(
  target: WebhookTarget,
  event: CustosEvent,
  options: { timeoutMs: number; nowMs: number },
): Promise<void> {
  const body = JSON.stringify(event);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'custos-webhook/1',
    'x-custos-event-id': event.metadata.uid,
    'x-custos-topic': event.topic,
  };
  if (target.secret)
    headers['x-custos-signature'] = signWebhook(target.secret, body, Math.floor(options.nowMs / 1000));
  const response = await fetch(target.url, {
    method: 'POST',
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  // Drain the body so the connection can be reused.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`webhook ${target.name} answered ${response.status}`);
  }
}
