import { Webhook } from 'standardwebhooks';
import type { CustosEvent } from '../core/events.js';
import { slackMessage } from './webhook.slack.js';

export interface WebhookTarget {
  name: string;
  url: string;
  /** `whsec_<base64 key>`, the Standard Webhooks form; config load has checked it. */
  secret?: string | undefined;
  /** `event`: the OCSF envelope as is; `slack`: a Slack-compatible message (incoming webhooks). */
  format?: 'event' | 'slack' | undefined;
}

/**
 * The Standard Webhooks headers of one delivery attempt (https://www.standardwebhooks.com):
 * `webhook-id` is the event id, the same on every retry so receivers can deduplicate;
 * `webhook-timestamp` is the attempt's time, which receivers bound to refuse replays; and with a
 * secret, `webhook-signature` is `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, so any
 * Standard Webhooks library verifies it.
 */
export function standardWebhookHeaders(
  secret: string | undefined,
  id: string,
  body: string,
  nowMs: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(nowMs / 1000)),
  };
  if (secret) headers['webhook-signature'] = new Webhook(secret).sign(id, new Date(nowMs), body);
  return headers;
}

/** POSTs one event to a webhook; resolves on any 2xx and throws otherwise (the outbox retries). */
export async function deliverWebhook(
  target: WebhookTarget,
  event: CustosEvent,
  options: { timeoutMs: number; nowMs: number },
): Promise<void> {
  const body = JSON.stringify(target.format === 'slack' ? slackMessage(event) : event);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'custos-webhook/1',
    'x-custos-topic': event.topic,
    ...standardWebhookHeaders(target.secret, event.metadata.uid, body, options.nowMs),
  };
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
