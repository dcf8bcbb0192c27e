import type { CallOptions } from './options.js';
import { path, type Requester } from './transport.js';
import type { ApiKey, CreateApiKeyInput, CreatedApiKey, ListApiKeysInput } from './types.js';

export interface ApiKeysResource {
  /** API keys (never their secrets), live only unless `includeRevoked`; needs `apikeys.read`. */
  list(input?: ListApiKeysInput, options?: CallOptions): Promise<ApiKey[]>;
  /** Creates a key; the `token` in the answer is shown only this once. Needs `apikeys.write`. */
  create(input: CreateApiKeyInput, options?: CallOptions): Promise<CreatedApiKey>;
  /** Revokes a key (`key_…`), effective on its next use; revoking twice is harmless. */
  revoke(id: string, options?: CallOptions): Promise<ApiKey>;
}

/** API keys for platform services (routes in src/api/routes/apikeys.routes.ts). */
export function apiKeysResource(request: Requester): ApiKeysResource {
  return {
    async list(input = {}, options) {
      const query = { includeRevoked: input.includeRevoked };
      return (await request<{ apiKeys: ApiKey[] }>('GET', '/v1/apikeys', { query, call: options })).apiKeys;
    },
    create: (input, options) => request('POST', '/v1/apikeys', { body: input, call: options }),
    async revoke(id, options) {
      const answer = await request<{ apiKey: ApiKey }>('POST', path`/v1/apikeys/${id}/revoke`, {
        call: options,
      });
      return answer.apiKey;
    },
  };
}
