import { beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { type DiscoverySimReport, runDiscoverySimulation } from '../../src/sim/discovery/run.js';

// The targets of the contact-discovery guard, on the API's own check with the default discovery
// settings (plus the world's canary ranges), against the seeded simulation: people syncing their
// address books, one fast account, a fleet of 1,000 accounts, prefix sweeps and list replays.
// 2,000 people over 3 days: about a minute on two cores, more on a loaded machine, hence the
// timeout. The fleet keeps its full 1,000 accounts and two days of work, which is what its targets
// are about. A change of the guard that breaks a target fails here, with the measured figure in
// the message.

const hours = (ms: number | null) => (ms === null ? 'never' : `${(ms / 3_600_000).toFixed(1)} h`);

describe('the contact-discovery guard on the simulation', () => {
  let report: DiscoverySimReport;

  beforeAll(async () => {
    report = await runDiscoverySimulation({ stopwatch: systemClock }, { users: 2000, days: 3, seed: 1 });
  }, 300_000);

  it('ran people and every kind of scraper', () => {
    expect(report.legitimate.users).toBe(2000);
    expect(report.legitimate.requests).toBeGreaterThan(5000);
    expect(report.fleet.members).toBe(1000);
    expect(new Set(report.scrapers.map((s) => s.kind))).toEqual(
      new Set(['fast', 'fleet', 'sweep', 'replay']),
    );
  });

  it('blocks no one and throttles at most 0.1 % of people’s checks', () => {
    const legit = report.legitimate;
    expect(legit.usersBlocked, `${legit.usersBlocked} people blocked`).toBe(0);
    expect(
      legit.throttledShare,
      `${legit.decisions.throttle} of ${legit.requests} people's checks throttled (${(legit.throttledShare * 100).toFixed(3)} %)`,
    ).toBeLessThanOrEqual(0.001);
  });

  it('holds one fast account to the quota’s ceiling', () => {
    expect(
      report.fast.learned,
      `the fast account learnt ${report.fast.learned}, ceiling ${Math.round(report.fast.ceiling)}`,
    ).toBeLessThanOrEqual(report.fast.ceiling);
  });

  it('holds the 1,000-account fleet on a signal within 24 hours of its start', () => {
    const fleet = report.fleet;
    expect(
      fleet.detectedAfterMs,
      `fleet first held after ${hours(fleet.detectedAfterMs)} (fleet.member after ${hours(fleet.fleetMemberAfterMs)})`,
    ).not.toBeNull();
    expect(fleet.detectedAfterMs as number).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it('lets the fleet learn less than one account could alone', () => {
    const fleet = report.fleet;
    expect(
      fleet.learned,
      `the fleet learnt ${fleet.learned} registered numbers; one account's ceiling over the same days is ${Math.round(fleet.oneAccountCeiling)} (the fast account learnt ${fleet.fastLearned}); first held after ${hours(fleet.detectedAfterMs)}, ${fleet.membersDetected} of ${fleet.members} members held`,
    ).toBeLessThan(fleet.oneAccountCeiling);
  });

  it('names the scraper of every dump that holds canaries, the fleet’s included', () => {
    // Fleet members are shadowed (fleets.memberVerdict), and shadow answers canaries, so the
    // fleet's dump carries them; its members' canaries must all point back into the fleet.
    const fleet = report.attribution.find((a) => a.scraper === 'fleet');
    expect(fleet?.canaries, 'canaries in the fleet’s dump').toBeGreaterThan(10);
    expect(fleet?.matches).toBe(true);
    expect(fleet?.coverage).toBe(1);
    const wrong = report.attribution.filter((a) => a.matches === false);
    expect(
      wrong,
      `misattributed: ${wrong.map((a) => `${a.scraper} → ${a.topSuspect} (${a.topCanaries} of ${a.canaries})`).join(', ')}`,
    ).toEqual([]);
  });
});
