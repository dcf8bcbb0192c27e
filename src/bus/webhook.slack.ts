import type { CustosEvent } from '../core/events.js';

// OCSF severity_id names, for people reading a chat channel.
const severityNames = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical', 'Fatal'];

// Section text is limited to 3,000 characters; the message is cut before escaping so that the cut
// never splits an entity.
const messageLimit = 2900;

/**
 * Text that people typed (break-glass reasons, justifications, comments, names) made inert in a
 * formatted chat field. `&`, `<` and `>` become entities, as Slack asks, so `<!channel>`,
 * `<@U123>` and `<https://evil.example|click here>` show as typed instead of pinging or linking.
 * An `@` before a name gets a zero-width space after it: Mattermost and Rocket.Chat, which read
 * the same payload, turn a bare `@channel` or `@alice` into a mention.
 */
function inert(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replace(/@(?=\w)/g, '@\u200b');
}

/**
 * The event as a Slack-compatible message: `text` for notifications and clients without blocks,
 * and blocks with the message and a context line (severity, topic, time, event id). Mattermost,
 * Rocket.Chat and Teams' Slack-compatible endpoints read the same shape. The message goes into
 * `plain_text`, which Slack never parses, and escaped into `text` with mrkdwn off, so that
 * `*urgent*` stays as typed; link previews are off, so a URL in a reason is not fetched.
 */
export function slackMessage(event: CustosEvent): {
  text: string;
  mrkdwn: false;
  unfurl_links: false;
  unfurl_media: false;
  blocks: Array<Record<string, unknown>>;
} {
  const severity = severityNames[event.severity_id] ?? 'Unknown';
  const message = event.message.slice(0, messageLimit);
  // Topic and id are ours, but they are escaped too: a backtick would end the code span.
  const topic = inert(event.topic).replaceAll('`', "'");
  return {
    text: `[Custos] ${severity}: ${inert(message)}`,
    mrkdwn: false,
    unfurl_links: false,
    unfurl_media: false,
    blocks: [
      { type: 'section', text: { type: 'plain_text', text: message, emoji: false } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `*${severity}* · \`${topic}\` · ${new Date(event.time).toISOString()} · ${inert(event.metadata.uid)}`,
            // Verbatim: Slack makes no links or mentions of its own out of this line.
            verbatim: true,
          },
        ],
      },
    ],
  };
}
