import type { Command } from 'commander';
import { parseDuration } from '../core/config.js';
import type { ApiKey } from '../identity/apikeys.js';
import { defaultServiceScopes, permissions, type Role, roleNames } from '../identity/roles.js';
import { collect, formatTime, type Io, printTable, withCustos } from './context.js';

function keyRow(key: ApiKey): Record<string, string> {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    roles: key.roles.join(','),
    scopes: key.scopes.join(','),
    lastUsed: formatTime(key.lastUsedAt),
    expires: formatTime(key.expiresAt),
    revoked: formatTime(key.revokedAt),
  };
}

export function registerApiKey(program: Command, io: Io): void {
  const apikey = program.command('apikey').description('manage API keys of platform services');

  apikey
    .command('create')
    .description('create an API key; the token is printed only this once')
    .requiredOption('--name <name>', 'what the key is for, e.g. the calling service')
    .option(
      '--role <role>',
      `role, repeatable or comma-separated: ${roleNames.join(', ')} (default service)`,
      collect,
    )
    .option(
      '--scope <permission>',
      `permission the key may use, repeatable; * for all its roles allow (default: ${defaultServiceScopes.join(', ')} for a service key, * otherwise): ${permissions.join(', ')}`,
      collect,
    )
    .option('--expires-in <duration>', 'lifetime such as 90d or 12h (default: no expiry)')
    .action(async (_options, command: Command) => {
      await withCustos(command, io, async (custos, options) => {
        const created = await custos.apiKeys.create({
          name: String(options.name),
          roles: options.role as Role[] | undefined,
          scopes: options.scope as string[] | undefined,
          expiresAt: options.expiresIn
            ? custos.clock.now() + parseDuration(String(options.expiresIn))
            : undefined,
          createdBy: 'cli',
        });
        if (options.json) {
          io.out(JSON.stringify(created));
          return;
        }
        io.out(`created ${created.apiKey.name} (${created.apiKey.id})`);
        io.out(`token (shown only this once): ${created.token}`);
      });
    });

  apikey
    .command('list')
    .description('list API keys (never their secrets)')
    .option('--all', 'include revoked keys')
    .action(async (_options, command: Command) => {
      await withCustos(command, io, async (custos, options) => {
        const keys = await custos.apiKeys.list({ includeRevoked: Boolean(options.all) });
        if (options.json) io.out(JSON.stringify(keys));
        else printTable(io, keys.map(keyRow));
      });
    });

  apikey
    .command('revoke <id>')
    .description('revoke an API key by id; effective on its next use')
    .action(async (id: string, _options, command: Command) => {
      await withCustos(command, io, async (custos, options) => {
        const revoked = await custos.apiKeys.revoke(id, 'cli');
        if (options.json) io.out(JSON.stringify(revoked));
        else io.out(`revoked ${revoked.name} (${revoked.id})`);
      });
    });
}
