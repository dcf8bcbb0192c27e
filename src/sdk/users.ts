import type { CallOptions } from './options.js';
import { path, type Requester } from './transport.js';
import type { CreatedUser, CreateUserInput, ListUsersInput, User } from './types.js';

export interface UsersResource {
  /** Console users, active only unless `includeDisabled`; needs `users.read`. */
  list(input?: ListUsersInput, options?: CallOptions): Promise<User[]>;
  /** One user by id (`usr_…`); `resource.not_found` when there is none. */
  get(id: string, options?: CallOptions): Promise<User>;
  /** Creates a user; without a password one is generated and returned once. Needs `users.write`. */
  create(input: CreateUserInput, options?: CallOptions): Promise<CreatedUser>;
  /** Disables a user and ends their sessions; disabling twice is harmless. Needs `users.write`. */
  disable(id: string, options?: CallOptions): Promise<User>;
}

/** Console user administration (routes in src/api/routes/users.routes.ts). */
export function usersResource(request: Requester): UsersResource {
  return {
    async list(input = {}, options) {
      const query = { includeDisabled: input.includeDisabled };
      return (await request<{ users: User[] }>('GET', '/v1/users', { query, call: options })).users;
    },
    async get(id, options) {
      return (await request<{ user: User }>('GET', path`/v1/users/${id}`, { call: options })).user;
    },
    create: (input, options) => request('POST', '/v1/users', { body: input, call: options }),
    async disable(id, options) {
      return (await request<{ user: User }>('POST', path`/v1/users/${id}/disable`, { call: options })).user;
    },
  };
}
