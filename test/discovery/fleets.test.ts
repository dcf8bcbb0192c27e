import { describe, expect, it } from 'vitest';
import { discoveryConfig } from '../../src/core/config.discovery.js';
import { createFleetTracker } from '../../src/discovery/fleets.js';
import type { DiscoveryEvidence } from '../../src/discovery/types.js';

const minute = 60_000;
const hour = 60 * minute;
const T0 = Date.UTC(2026, 5, 1);
const settings = discoveryConfig.parse({});
const none: DiscoveryEvidence = { asked: 0, dense: 0, withOwn: 0, foreign: 0, canaries: 0, honey: 0 };

/** An account's state after a check: `asked` new numbers of which `dense` had neighbours. */
const member = (asked: number, dense: number, firstSeen = T0) => ({
  evidence: { ...none, asked, dense },
  reported: 0,
  registered: 0,
  lastSeen: T0,
  firstSeen,
});

describe('fleets', () => {
  it('judges slow accounts that share proxies together: each under every minimum, together a sweep', () => {
    const fleets = createFleetTracker(settings);
    // 50 accounts, 20 consecutive numbers each (1,000 in all) over three checks, each check from the
    // next of 10 proxy addresses in 10 networks.
    for (let i = 0; i < 50; i++) {
      for (let k = 0; k < 3; k++) {
        const proxy = (i + 3 * k) % 10;
        fleets.observe(
          { account: `bot-${i}`, device: `bot-${i}`, ip: `203.0.${proxy}.${proxy}`, time: T0 + i * minute },
          member(20, 20),
        );
      }
    }
    const fleet = fleets.fleetOf('bot-0', T0 + hour);
    expect(fleet?.accounts).toHaveLength(50);
    expect(fleet?.evidence).toMatchObject({ asked: 1000, dense: 1000 });
    expect(fleet?.judgement).toMatchObject({ score: 12, verdict: 'shadow' });
    expect(fleet?.judgement.reasons.map((r) => r.code)).toEqual(['enumeration.sweep']);
    expect(fleets.fleetOf('bot-49', T0 + hour)).toBe(fleet);
    expect(fleets.flagged()).toEqual([fleet]);
  });

  it('leaves people behind one address alone: many, but scattered and plausible', () => {
    const fleets = createFleetTracker(settings);
    for (let i = 0; i < 200; i++) {
      fleets.observe(
        { account: `p-${i}`, device: `p-${i}`, ip: '198.51.100.1', time: T0 + i * 1000 },
        member(300, 1),
      );
    }
    expect(fleets.fleetOf('p-0', T0 + hour)).toBeUndefined();
    expect(fleets.flagged()).toEqual([]);
  });

  it('ignores a link shared by more accounts than maxLinkAccounts, and fewer accounts than minAccounts', () => {
    const fleets = createFleetTracker(discoveryConfig.parse({ fleets: { maxLinkAccounts: 20 } }));
    for (let i = 0; i < 30; i++) {
      fleets.observe(
        { account: `nat-${i}`, device: `nat-${i}`, ip: '192.0.2.1', time: T0 },
        member(100, 100),
      );
    }
    for (let i = 0; i < 4; i++) {
      fleets.observe(
        { account: `few-${i}`, device: 'shared-device', ip: `198.18.${i}.1`, time: T0 },
        member(100, 100),
      );
    }
    expect(fleets.fleetOf('nat-0', T0 + hour)).toBeUndefined();
    expect(fleets.fleetOf('few-0', T0 + hour)).toBeUndefined();
  });

  it('links accounts registered in the same ten minutes on the same network', () => {
    const fleets = createFleetTracker(settings);
    for (let i = 0; i < 10; i++) {
      fleets.observe(
        { account: `r-${i}`, device: `r-${i}`, ip: `100.64.${i}.1`, asn: 64500, time: T0 + hour },
        member(20, 20, T0 + i * 30_000),
      );
    }
    // Another ten, registered an hour later on the same network: a fleet of their own, too small.
    for (let i = 0; i < 3; i++) {
      fleets.observe(
        { account: `s-${i}`, device: `s-${i}`, ip: `100.65.${i}.1`, asn: 64500, time: T0 + hour },
        member(20, 20, T0 + hour + i * 30_000),
      );
    }
    expect(fleets.fleetOf('r-0', T0 + 2 * hour)?.accounts).toHaveLength(10);
    expect(fleets.fleetOf('s-0', T0 + 2 * hour)).toBeUndefined();
  });

  it('keeps a fleet flagged at its strongest while its accounts stay linked, however its shares move', async () => {
    const fleets = createFleetTracker(settings);
    for (let i = 0; i < 10; i++) {
      fleets.observe({ account: `w-${i}`, device: 'farm', ip: `198.18.1.${i}`, time: T0 }, member(20, 20));
    }
    expect(fleets.fleetOf('w-0', T0 + 10 * minute)?.judgement.score).toBe(12);
    // Its accounts now ask for scattered numbers: 200 asked, 200 dense of 2,200 is under 30 %.
    for (let i = 0; i < 10; i++) {
      fleets.observe(
        { account: `w-${i}`, device: 'farm', ip: `198.18.1.${i}`, time: T0 + hour },
        member(220, 20),
      );
    }
    const later = fleets.fleetOf('w-0', T0 + 2 * hour);
    expect(later?.evidence).toMatchObject({ asked: 2200, dense: 200 });
    expect(later?.judgement).toMatchObject({ score: 12, verdict: 'shadow' });
  });

  it('keeps a fleet’s id and first time across recomputes, and forgets it a window after it went quiet', () => {
    const fleets = createFleetTracker(settings);
    for (let i = 0; i < 10; i++) {
      fleets.observe({ account: `q-${i}`, device: 'farm', ip: `198.18.0.${i}`, time: T0 }, member(20, 20));
    }
    const first = fleets.fleetOf('q-0', T0 + 10 * minute);
    const later = fleets.fleetOf('q-0', T0 + 5 * hour);
    expect(later?.id).toBe(first?.id);
    expect(later?.since).toBe(T0 + 10 * minute);
    expect(later?.at).toBe(T0 + 5 * hour);
    expect(fleets.fleetOf('q-0', T0 + 25 * hour)).toBeUndefined();
  });
});
