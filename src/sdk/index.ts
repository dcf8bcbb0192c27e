/**
 * The Custos SDK: a typed client for platform services, `import { createClient } from 'custos/sdk'`.
 * It depends on nothing but the platform (fetch, AbortSignal, URL, crypto.randomUUID).
 *
 * To add a resource: write `src/sdk/<resource>.ts` exporting an interface and a factory that takes
 * the `Requester` (see users.ts), then add one line to `CustosClient` and one to `createClient`.
 */
import { type AccessResource, accessResource } from './access.js';
import { type ApiKeysResource, apiKeysResource } from './apikeys.js';
import { type AtoResource, atoResource } from './ato.js';
import { type DiscoveryResource, discoveryResource } from './discovery.js';
import { type ClientOptions, resolveSettings } from './options.js';
import { type RegistryResource, registryResource } from './registry.js';
import { type SystemMethods, systemMethods } from './system.js';
import { createRequester } from './transport.js';
import { type UsersResource, usersResource } from './users.js';

export type {
  AccessCheckInput,
  AccessCheckResult,
  AccessOperation,
  AccessResource,
  FieldClass,
} from './access.js';
export type { ApiKeysResource } from './apikeys.js';
export {
  type AtoResource,
  type AuthAssessment,
  type AuthEventInput,
  type AuthEventType,
  assessBatchSize,
  type ConfirmedTakeover,
  type TakeoverMethod,
  type TakeoverReportInput,
} from './ato.js';
export type {
  DiscoveryCheckInput,
  DiscoveryCheckResult,
  DiscoveryResource,
  DiscoveryResultsInput,
} from './discovery.js';
export {
  CustosApiError,
  type CustosApiErrorCode,
  type CustosApiErrorInit,
  isCustosApiError,
  type SdkErrorCode,
} from './errors.js';
export { type CallOptions, type ClientOptions, sdkVersion } from './options.js';
export type {
  Employee,
  EmployeeChange,
  RegistryResource,
  SyncReport,
  Ticket,
  TicketChange,
} from './registry.js';
export type { SystemMethods } from './system.js';
export type * from './types.js';
export type { UsersResource } from './users.js';

/** A Custos client; every method rejects with a `CustosApiError` on failure. */
export interface CustosClient extends SystemMethods {
  users: UsersResource;
  apiKeys: ApiKeysResource;
  access: AccessResource;
  /** Risk-scored registration, codes and login: the takeover defence. */
  ato: AtoResource;
  /** Address-book syncs rationed and watched: the contact-discovery guard. */
  discovery: DiscoveryResource;
  /** The employee and ticket registries, for directory, paging and ticket syncs. */
  registry: RegistryResource;
}

/** Creates a client; throws a TypeError at once when an option is invalid (the apiKey is never echoed). */
export function createClient(options: ClientOptions): CustosClient {
  const request = createRequester(resolveSettings(options));
  return Object.freeze({
    ...systemMethods(request),
    users: Object.freeze(usersResource(request)),
    apiKeys: Object.freeze(apiKeysResource(request)),
    access: Object.freeze(accessResource(request)),
    ato: Object.freeze(atoResource(request)),
    discovery: Object.freeze(discoveryResource(request)),
    registry: Object.freeze(registryResource(request)),
  });
}
