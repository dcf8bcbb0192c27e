import type { Custos } from '../../../src/app.js';
import type { DiscoveryDecision, DiscoveryRequest } from '../../../src/discovery/types.js';
import { book, run } from '../../support/numbers.js';

/** The settings the discovery console tests run with: canaries in a range of Ofcom's drama numbers. */
export const discoveryOverrides = {
  'discovery.canaries.prefixes': ['+447700900'],
  'discovery.canaries.cohort': 'account',
  // A fifth of the range is shown to each account, so a short sweep meets a few.
  'discovery.canaries.density': 0.2,
};

export interface Checked {
  request: DiscoveryRequest;
  decided: DiscoveryDecision;
}

export interface SeededDiscovery {
  /** Every check made, oldest first. */
  checks: Checked[];
  /** Address-book syncs from ordinary people, all allowed. */
  people: string[];
  /** The account walking a block of numbers. */
  sweeper: string;
  /** The account walking the canary range. */
  canarySweeper: string;
  /** The slow accounts sharing five proxies. */
  fleet: string[];
}

const minute = 60_000;
const hour = 60 * minute;

/**
 * A few hours of contact discovery, through the server's own check (as the API would call it), on
 * event times that end ten minutes ago:
 * - each hour, twenty slow accounts ask for ten consecutive numbers each through five shared
 *   addresses, which links them into a fleet found on the fourth hour, when every member is shadowed;
 * - each hour, two people sync address books (scattered numbers, their own /24 each), allowed;
 * - then one account sweeps a block of numbers, first 120 at once, then nine more checks of ten;
 * - and another walks the canary range ten numbers at a time until it is throttled.
 * The hourly counts are flushed to the store before the tests read them.
 */
export async function seedDiscovery(custos: Custos, now = Date.now()): Promise<SeededDiscovery> {
  const checks: Checked[] = [];
  const check = async (request: DiscoveryRequest) => {
    const decided = await custos.discoveryCheck.check(request, 'platform-test');
    checks.push({ request, decided });
    return decided;
  };
  const base = now - 10 * minute;
  const fleet = Array.from({ length: 20 }, (_, i) => `slow-${i}`);
  const people: string[] = [];
  for (let round = 0; round < 4; round++) {
    const time = base - (3 - round) * hour;
    for (const [i, account] of fleet.entries()) {
      await check({
        account,
        device: account,
        ip: `203.0.113.${(i + round) % 5}`,
        numbers: run(1000 * i + 10 * round, 10),
        mode: 'incremental',
        time: time + i * 1000,
      });
    }
    for (let j = 0; j < 2; j++) {
      const person = `u_person_${round}${j}`;
      people.push(person);
      await check({
        account: person,
        device: `dev-${person}`,
        ip: `81.2.${70 + round * 2 + j}.10`,
        phone: `+44740012${round}${j}00`,
        numbers: book(100 * (round * 2 + j), 40, '+447400'),
        mode: 'full',
        time: time + 5 * minute + j * minute,
      });
    }
  }

  const sweeper = 'u_sweeper_77';
  const sweep = (numbers: string[], at: number) =>
    check({ account: sweeper, device: 'dev-sweep', ip: '198.51.100.23', numbers, mode: 'full', time: at });
  await sweep(run(500_000, 120, '+447911'), base + minute);
  for (let i = 0; i < 9; i++)
    await sweep(run(500_120 + 10 * i, 10, '+447911'), base + minute + (i + 1) * 1000);

  const canarySweeper = 'u_canary_walker';
  for (let i = 0; i < 12; i++) {
    const decided = await check({
      account: canarySweeper,
      device: 'dev-walk',
      ip: '192.0.2.44',
      numbers: run(900_000 + 10 * i, 10, '+447700'),
      mode: 'incremental',
      time: base + 3 * minute + i * 1000,
    });
    if (decided.decision === 'throttle' || decided.decision === 'block') break;
  }
  await custos.discoveryTallies.flush();
  return { checks, people, sweeper, canarySweeper, fleet };
}

/** The checks that were not a plain allow: what the decisions page lists. */
export const recorded = (seeded: SeededDiscovery) =>
  seeded.checks.filter((c) => c.decided.decision !== 'allow');
