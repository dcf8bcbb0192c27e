import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { Io } from './context.js';

// 32 bytes: the 256-bit key HMAC-SHA256 is built for, within Standard Webhooks' 24 to 64.
const secretBytes = 32;

export function registerWebhook(program: Command, io: Io): void {
  const webhook = program.command('webhook').description('webhook destinations of outbox events');
  webhook
    .command('secret')
    .description('print a new signing secret (whsec_…) for webhooks[].secret and the receiver')
    .action((_options, command: Command) => {
      const secret = `whsec_${randomBytes(secretBytes).toString('base64')}`;
      if (command.optsWithGlobals<{ json?: boolean }>().json) io.out(JSON.stringify({ secret }));
      else io.out(secret);
    });
}
