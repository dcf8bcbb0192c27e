import type { Command } from 'commander';
import { CustosError } from '../core/errors.js';
import { usernamePattern } from '../identity/users.js';
import { type Io, withCustos } from './context.js';
import { ensureFirstAdmin, printCredentials } from './serve.js';

export function registerInit(program: Command, io: Io): void {
  program
    .command('init')
    .description('create the store and the first admin, printing its generated password once')
    .option('--admin <username>', 'username of the first admin', 'admin')
    .action(async (_options, command: Command) => {
      await withCustos(command, io, async (custos, options) => {
        const username = String(options.admin);
        if (!usernamePattern.test(username))
          throw new CustosError('request.invalid', `invalid username: ${username}`);
        const password = await ensureFirstAdmin(custos, username);
        if (!password)
          throw new CustosError('action.not_allowed', 'the store already has users; init does nothing');
        if (options.json) io.out(JSON.stringify({ username, password }));
        else printCredentials(io, username, password);
      });
    });
}
