import { stat } from 'node:fs/promises';
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { CustosError, isCustosError } from '../core/errors.js';
import { type CustosEvent, createEvent, ocsfClass } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { Job } from '../core/jobs.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Rates } from '../limits/rates.js';
import { createAccountStates } from '../store/account-state.js';
import { sharedSecret } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { createHourlyTallies } from '../store/tallies.js';
import { discoveryAccountCodec } from './accounts.js';
import { attribute, type ExposureRow, scanDump } from './attribute.js';
import { createCanaries } from './canaries.js';
import { type CanaryExposure, createCheck, type DiscoveryRecordBody } from './check.js';
import { createFleetTracker } from './fleets.js';
import { createFingerprinter } from './numbers.js';
import {
  createDiscoveryQueries,
  decisionColumns,
  decisionRow,
  discoveryRecordType,
  leadingReason,
} from './queries.js';
import { type AttributionReport, attributionReport, createAttributionReports } from './reports.js';
import type { DiscoveryAccount, DiscoveryDecision, DiscoveryRequest } from './types.js';

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
  ledger: Pick<Ledger, 'append' | 'record'>;
  rates: Rates;
  /** Where every decision is told, for the detections that follow (the bus). */
  publish?: (event: CustosEvent) => Promise<void>;
}) {
  const { config, store, clock, logger, ledger } = deps;
  // How often a node adds its decision counts to the store (the charts' data).
  const countFlushMs = 60_000;
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
  // Likewise the canaries: a dump scraped last year is attributed with the same key.
  const canaries = createCanaries(
    settings.canaries,
    Buffer.from(await sharedSecret(store, clock, 'discovery.canary'), 'hex'),
  );

  const fleets = createFleetTracker(settings);
  const tallies = createHourlyTallies({ store, table: 'discovery_decision_counts' });

  async function recordCanaries(exposures: CanaryExposure[]): Promise<void> {
    await store.insertMany([
      {
        table: 'discovery_canary_hits',
        columns: ['number', 'account', 'cohort', 'period', 'at', 'check_id'],
        rows: exposures.map((e) => [e.number, e.account, e.cohort, e.period, e.at, e.check]),
      },
    ]);
  }

  /** Every time these canary numbers were answered "registered", in bounded queries. */
  async function exposuresOf(numbers: readonly string[]): Promise<ExposureRow[]> {
    const rows: ExposureRow[] = [];
    for (let i = 0; i < numbers.length; i += 500) {
      const found = await store.db
        .selectFrom('discovery_canary_hits')
        .select(['number', 'account', 'cohort', 'period', 'at'])
        .where('number', 'in', numbers.slice(i, i + 500))
        .execute();
      for (const row of found) rows.push({ ...row, period: Number(row.period), at: Number(row.at) });
    }
    return rows;
  }

  async function record(id: string, body: DiscoveryRecordBody): Promise<void> {
    try {
      await ledger.append(
        { type: discoveryRecordType, id, body },
        {
          alsoInsert: {
            table: 'discovery_decisions',
            columns: decisionColumns,
            values: decisionRow(id, body),
          },
        },
      );
    } catch (error) {
      if (isCustosError(error)) throw error;
      throw new CustosError('ledger.unavailable');
    }
  }

  const checks = createCheck({
    clock,
    config: settings,
    rates: deps.rates,
    accounts,
    fingerprint: createFingerprinter(key),
    record,
    canaries,
    recordCanaries,
    fleets,
  });

  /** Tells the bus of a decision: who asked, how much, what was answered and why; never the numbers. */
  function announce(request: DiscoveryRequest, decided: DiscoveryDecision, caller: string): void {
    if (!deps.publish) return;
    const event = createEvent({
      uid: newId('evt', clock),
      topic: `discovery.check.${decided.decision}`,
      classUid: ocsfClass.apiActivity,
      activityId: 2,
      severityId: decided.decision === 'allow' ? 1 : decided.decision === 'block' ? 4 : 3,
      time: request.time ?? clock.now(),
      message: `contact discovery: ${decided.decision} for ${decided.counts.numbers} numbers`,
      correlationUid: decided.id,
      payload: {
        check: decided.id,
        caller,
        account: request.account,
        device: request.device,
        ip: request.ip,
        asn: request.asn ?? null,
        mode: request.mode,
        decision: decided.decision,
        score: decided.score,
        counts: decided.counts,
        allowed: decided.allowed.length,
        canaries: decided.canaries.length,
        reasons: decided.reasons.map((r) => r.code),
      },
    });
    deps
      .publish(event)
      .catch((error: unknown) =>
        logger.warn({ err: error, check: decided.id }, 'a discovery decision did not reach the bus'),
      );
  }

  const discoveryCheck = {
    ...checks,
    async check(request: DiscoveryRequest, caller: string): Promise<DiscoveryDecision> {
      const decided = await checks.check(request, caller);
      tallies.record(decided.decision, leadingReason(decided.reasons), request.time ?? clock.now());
      announce(request, decided, caller);
      return decided;
    },
  };

  const reports = createAttributionReports({ store, ledger });
  // A scan keeps a core busy for a while; a node runs one at a time.
  let scanning = false;
  const discoveryAttribution = {
    canaries,
    /** Traces a dump's canary numbers (from `scanDump`) to the accounts they were answered to. */
    async attribute(dumpCanaries: readonly string[]) {
      return attribute(dumpCanaries, await exposuresOf(dumpCanaries), settings.canaries);
    },
    /**
     * Scans a dump on disk, traces its canaries and records the report on the ledger
     * (`discovery.attribution`): who ran it, when, and whom the dump points to.
     */
    async run(input: {
      file: string;
      name: string;
      by: string;
      onProgress?: (done: number, total: number) => void;
    }): Promise<AttributionReport> {
      if (scanning)
        throw new CustosError(
          'action.not_allowed',
          'a dump is being scanned on this node; try again when it is done',
        );
      scanning = true;
      try {
        const scan = await scanDump(
          input.file,
          canaries,
          input.onProgress ? { onProgress: input.onProgress } : {},
        );
        const report = attributionReport({
          id: newId('dat', clock),
          at: clock.now(),
          by: input.by,
          name: input.name,
          bytes: (await stat(input.file)).size,
          scan,
          attribution: await discoveryAttribution.attribute(scan.canaries),
        });
        await reports.save(report);
        return report;
      } finally {
        scanning = false;
      }
    },
    list: reports.list,
    get: reports.get,
  };

  const jobs: Job[] = [
    { name: 'discovery.accounts.flush', intervalMs: settings.flushInterval, run: () => accounts.flush() },
    { name: 'discovery.counts.flush', intervalMs: countFlushMs, run: () => tallies.flush() },
  ];
  return {
    services: {
      discoveryCheck,
      discoveryAttribution,
      discoveryFleets: { flagged: () => fleets.flagged() },
      discoveryQueries: createDiscoveryQueries({ store, ledger }),
      discoveryTallies: tallies,
    },
    jobs,
    async flush(): Promise<void> {
      await accounts.flush();
      await tallies.flush();
    },
    stats: () => accounts.stats(),
  };
}

export type DiscoveryDomain = Awaited<ReturnType<typeof createDiscoveryDomain>>;
export type DiscoveryServices = DiscoveryDomain['services'];
