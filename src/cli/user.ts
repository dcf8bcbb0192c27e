import type { Command } from 'commander';
import type { Custos } from '../app.js';
import { CustosError } from '../core/errors.js';
import { isId } from '../core/ids.js';
import { type Role, userRoles } from '../identity/roles.js';
import type { User } from '../identity/users.js';
import { collect, formatTime, type Io, printTable, withCustos } from './context.js';

/** Accepts a user id or a username. */
async function resolveUser(custos: Custos, ref: string): Promise<User> {
  if (isId('usr', ref)) return custos.users.get(ref);
  const row = await custos.users.findForLogin(ref);
  if (!row) throw new CustosError('resource.not_found', `no user ${ref}`);
  return custos.users.get(row.id);
}

function userRow(user: User): Record<string, string> {
  return {
    id: user.id,
    username: user.username,
    roles: user.roles.join(','),
    created: formatTime(user.createdAt),
    lastLogin: formatTime(user.lastLoginAt),
    disabled: formatTime(user.disabledAt),
  };
}

export function registerUser(program: Command, io: Io): void {
  const user = program.command('user').description('manage console users');

  user
    .command('add <username>')
    .description('create a console user; prints a generated password once unless --password-stdin')
    .requiredOption('--role <role>', `role, repeatable or comma-separated: ${userRoles.join(', ')}`, collect)
    .option('--display-name <name>', 'name shown in the console')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(async (username: string, _options, command: Command) => {
      await withCustos(command, io, async (custos, options) => {
        const password = options.passwordStdin ? (await io.readStdin()).replace(/\r?\n$/, '') : undefined;
        const created = await custos.users.create({
          username,
          displayName: options.displayName as string | undefined,
          roles: options.role as Role[],
          password,
          createdBy: 'cli',
        });
        if (options.json) {
          io.out(JSON.stringify(created));
          return;
        }
        io.out(
          `created ${created.user.username} (${created.user.id}) with roles ${created.user.roles.join(', ')}`,
        );
        if (created.generatedPassword)
          io.out(
            `password (shown only this once, good for one sign-in, then they choose their own): ${created.generatedPassword}`,
          );
      });
    });

  user
    .command('list')
    .description('list console users')
    .option('--all', 'include disabled users')
    .action(async (_options, command: Command) => {
      await withCustos(command, io, async (custos, options) => {
        const users = await custos.users.list({ includeDisabled: Boolean(options.all) });
        if (options.json) io.out(JSON.stringify(users));
        else printTable(io, users.map(userRow));
      });
    });

  user
    .command('reset-password <user>')
    .description(
      'give a user (by id or username) a generated password for one sign-in, after which they choose their own; ends their sessions',
    )
    .action(async (ref: string, _options, command: Command) => {
      await withCustos(command, io, async (custos, options) => {
        const target = await resolveUser(custos, ref);
        const password = await custos.users.resetPassword(target.id, 'cli');
        if (options.json) io.out(JSON.stringify({ user: target.username, password }));
        else {
          io.out(`password for ${target.username} (shown only this once, good for one sign-in): ${password}`);
        }
      });
    });

  user
    .command('disable <user>')
    .description('disable a user (by id or username) and end their sessions')
    .action(async (ref: string, _options, command: Command) => {
      await withCustos(command, io, async (custos, options) => {
        const target = await resolveUser(custos, ref);
        const disabled = await custos.users.disable(target.id, 'cli');
        if (options.json) io.out(JSON.stringify(disabled));
        else io.out(`disabled ${disabled.username} (${disabled.id})`);
      });
    });
}
