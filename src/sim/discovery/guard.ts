import { createHash } from 'node:crypto';
import { createManualClock } from '../../core/clock.js';
import type { DiscoveryConfig } from '../../core/config.discovery.js';
import { createCanaries } from '../../discovery/canaries.js';
import { type CanaryExposure, createCheck } from '../../discovery/check.js';
import { createFleetTracker, type FleetTracker } from '../../discovery/fleets.js';
import { createFingerprinter } from '../../discovery/numbers.js';
import type { DiscoveryAccount, DiscoveryDecision, DiscoveryRequest } from '../../discovery/types.js';
import { createMemoryRates } from '../../limits/rates.js';

/**
 * The guard the simulation drives: the API's own check (createCheck) wired as
 * `discovery/replay.ts` wires it for `custos discovery replay`, with the shared limits in memory,
 * account state in a Map, the fleet tracker and the canaries. One request runs at a time on a
 * clock set to the request's time, so there is nothing to serialise and nothing written behind.
 * The one difference from the replay: the canary numbers the check answers "registered" are kept
 * (the server stores them in discovery_canary_hits), because attribution needs them.
 *
 * The memory rates come from limits/, which sim/ may not import by the module table; replay.ts
 * builds the same wiring but exports no factory for it. This file is the one tolerated exception
 * (test/architecture.test.ts) until discovery/ exports such a factory.
 */

export interface SimGuard {
  check(request: DiscoveryRequest & { time: number }): Promise<DiscoveryDecision>;
  /** Every canary number answered "registered", in order. */
  exposures: CanaryExposure[];
  fleets: FleetTracker;
  accounts: Map<string, DiscoveryAccount>;
}

const keyOf = (seed: number, name: string) =>
  createHash('sha256').update(`custos sim discovery ${seed} ${name}`).digest();

export function createSimGuard(config: DiscoveryConfig, seed: number): SimGuard {
  const clock = createManualClock(0);
  const accounts = new Map<string, DiscoveryAccount>();
  const exposures: CanaryExposure[] = [];
  const fleets = createFleetTracker(config);
  const check = createCheck({
    clock,
    config,
    rates: createMemoryRates({ maxKeys: 5_000_000 }),
    accounts: {
      get: async (account) => accounts.get(account),
      put: (state) => {
        accounts.set(state.account, state);
      },
      exclusive: (_account, work) => work(),
    },
    fingerprint: createFingerprinter(keyOf(seed, 'fingerprint')),
    record: async () => undefined,
    canaries: createCanaries(config.canaries, keyOf(seed, 'canary')),
    recordCanaries: async (rows) => {
      for (const row of rows) exposures.push(row);
    },
    fleets,
  });
  return {
    check(request) {
      clock.set(request.time);
      return check.check(request, 'sim');
    },
    exposures,
    fleets,
    accounts,
  };
}
