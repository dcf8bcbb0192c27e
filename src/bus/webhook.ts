import { createHmac } from 'node:crypto';
import type { CustosEvent } from '../core/events.js';

export interface WebhookTarget {
  name: string;
  url: string;
  secret?: string | undefined;
  /** `event`: the OCSF envelope as is; `slack`: a Slack-compatible message (incoming webhooks). */
  format?: 'event' | 'slack' | undefined;
}

// OCSF severity_id names, for people reading a chat channel.
const severityNames = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical', 'Fatal'];

/**
 * The event as a Slack-compatible message: `text` for notifications and clients without blocks,
 * and blocks with the message and a context line (severity, topic, time, event id). Mattermost,
 * Rocket.Chat and Teams' Slack-compatible endpoints read the same shape.
 */
export function slackMessage(event: CustosEvent): {
  text: string;
  blocks: Array<Record<string, unknown>>;
} {
  const severity = severityNames[event.severity_id] ?? 'Unknown';
  const text = `[Custos] ${severity}: ${event.message}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'plain_text', text: event.message.slice(0, 2900) } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `*${severity}* · \`${event.topic}\` · ${new Date(event.time).toISOString()} · ${event.metadata.uid}`,
          },
        ],
      },
    ],
  };
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
  const body = JSON.stringify(target.format === 'slack' ? slackMessage(event) : event);
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
