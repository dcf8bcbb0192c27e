import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { CustosError, isCustosError } from '../core/errors.js';
import type { Job } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Rates } from '../limits/rates.js';
import { createAccountStates } from '../store/account-state.js';
import { sharedSecret } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { discoveryAccountCodec } from './accounts.js';
import { createCheck, type DiscoveryRecordBody } from './check.js';
import { createFingerprinter } from './numbers.js';
import type { DiscoveryAccount } from './types.js';

export const discoveryRecordType = 'discovery.decision';

/**
 * The contact-discovery guard built from the `discovery.*` settings: checks decided on the shared
 * rates and each account's quota (kept in memory, written behind to `discovery_accounts`), every
 * decision other than a plain allow recorded on the ledger, and the platform's reports of which
 * answered numbers were registered.
 */
export async function createDiscoveryDomain(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  ledger: Pick<Ledger, 'append'>;
  rates: Rates;
}) {
  const { config, store, clock, logger, ledger } = deps;
  const settings = config.discovery;
  const accounts = createAccountStates<DiscoveryAccount>({
    store,
    clock,
    logger,
    codec: discoveryAccountCodec,
    cacheSize: settings.accountCache,
    table: 'discovery_accounts',
    column: 'state',
  });
  // The fingerprints in the store were made with this key, so it must outlive every node.
  const key = Buffer.from(await sharedSecret(store, clock, 'discovery.fingerprint'), 'hex');

  async function record(id: string, body: DiscoveryRecordBody): Promise<void> {
    try {
      await ledger.append({ type: discoveryRecordType, id, body });
    } catch (error) {
      if (isCustosError(error)) throw error;
      throw new CustosError('ledger.unavailable');
    }
  }

  const discoveryCheck = createCheck({
    clock,
    config: settings,
    rates: deps.rates,
    accounts,
    fingerprint: createFingerprinter(key),
    record,
  });

  const jobs: Job[] = [
    { name: 'discovery.accounts.flush', intervalMs: settings.flushInterval, run: () => accounts.flush() },
  ];
  return {
    services: { discoveryCheck },
    jobs,
    flush: () => accounts.flush(),
    stats: () => accounts.stats(),
  };
}

export type DiscoveryDomain = Awaited<ReturnType<typeof createDiscoveryDomain>>;
export type DiscoveryServices = DiscoveryDomain['services'];
