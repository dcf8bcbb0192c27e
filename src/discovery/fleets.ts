import type { DiscoveryConfig } from '../core/config.discovery.js';
import { parseIp, subnetOf } from '../core/ip.js';
import { addEvidence, type Judgement, judge } from './signals.js';
import type { DiscoveryEvidence, DiscoveryRequest } from './types.js';

/**
 * Fleets: accounts that share infrastructure and behave alike, judged together, so that 1,000
 * slow accounts are one actor. Accounts are linked when, within `fleets.window` of event time,
 * they used the same address, /24 or /48 subnet or device id, or registered (were first seen)
 * in the same `fleets.registrationWindow` on the same network. Links seen by more than
 * `fleets.maxLinkAccounts` accounts are too common to mean anything (a carrier's NAT) and are
 * ignored. Connected accounts form a fleet. The fleet's evidence is the sum of its members', and
 * it is judged with the same signals as one account: people behind one NAT are scattered,
 * plausible and mostly registered together too, while a fleet's shares of neighbours and misses
 * stay what each member's were, only now over enough numbers to count.
 *
 * A flagged fleet keeps its strongest judgement while its accounts stay linked.
 *
 * Fleets are recomputed every `fleets.recompute` of event time, driven by the checks themselves,
 * so a replay finds the same fleets at the same moments as live traffic did. State is this
 * node's, in memory, bounded by the window.
 */

type FleetConfig = DiscoveryConfig['fleets'];

interface Member {
  evidence: DiscoveryEvidence;
  reported: number;
  registered: number;
  lastSeen: number;
}

export interface Fleet {
  id: string;
  accounts: string[];
  judgement: Judgement;
  evidence: DiscoveryEvidence;
  reported: number;
  registered: number;
  /** Event time of the recompute that found it. */
  at: number;
  /** Event time it was first flagged (kept across recomputes while its members overlap). */
  since: number;
}

export interface FleetTracker {
  /** Notes a check's links and the account's evidence after it. */
  observe(
    request: Pick<DiscoveryRequest, 'account' | 'device' | 'ip' | 'asn'> & { time: number },
    account: Member & { firstSeen: number },
  ): void;
  /** The flagged fleet an account belongs to at `time` (recomputing when one is due), if any. */
  fleetOf(account: string, time: number): Fleet | undefined;
  /** Every flagged fleet as of the last recompute, largest score first. */
  flagged(): Fleet[];
}

export function createFleetTracker(
  settings: Pick<DiscoveryConfig, 'detection' | 'canaries' | 'fleets'>,
): FleetTracker {
  const config: FleetConfig = settings.fleets;
  // Link key → account → last time seen with it.
  const links = new Map<string, Map<string, number>>();
  const members = new Map<string, Member>();
  let fleets: Fleet[] = [];
  let byAccount = new Map<string, Fleet>();
  let nextRecompute = Number.NEGATIVE_INFINITY;

  function link(key: string, account: string, time: number): void {
    let accounts = links.get(key);
    if (!accounts) {
      accounts = new Map();
      links.set(key, accounts);
    }
    accounts.delete(account);
    accounts.set(account, time);
  }

  function expire(time: number): void {
    const horizon = time - config.window;
    for (const [key, accounts] of links) {
      for (const [account, seen] of accounts) {
        if (seen >= horizon) break; // Map order is last-seen order.
        accounts.delete(account);
      }
      if (accounts.size === 0) links.delete(key);
    }
    for (const [account, member] of members) if (member.lastSeen < horizon) members.delete(account);
  }

  function recompute(time: number): void {
    expire(time);
    // Accounts → their usable links, then connected components by breadth-first search.
    const neighbours = new Map<string, string[]>();
    for (const [key, accounts] of links) {
      if (accounts.size < 2 || accounts.size > config.maxLinkAccounts) continue;
      for (const account of accounts.keys()) {
        const list = neighbours.get(account);
        if (list) list.push(key);
        else neighbours.set(account, [key]);
      }
    }
    const previous = byAccount;
    const found: Fleet[] = [];
    const visited = new Set<string>();
    for (const start of neighbours.keys()) {
      if (visited.has(start)) continue;
      const component: string[] = [];
      const queue = [start];
      visited.add(start);
      while (queue.length > 0) {
        const account = queue.pop() as string;
        component.push(account);
        for (const key of neighbours.get(account) ?? []) {
          for (const other of (links.get(key) as Map<string, number>).keys()) {
            if (!visited.has(other)) {
              visited.add(other);
              queue.push(other);
            }
          }
        }
      }
      if (component.length < config.minAccounts) continue;
      let evidence: DiscoveryEvidence = { asked: 0, dense: 0, withOwn: 0, foreign: 0, canaries: 0, honey: 0 };
      let reported = 0;
      let registered = 0;
      for (const account of component) {
        const member = members.get(account);
        if (!member) continue;
        evidence = addEvidence(evidence, member.evidence);
        reported += member.reported;
        registered += member.registered;
      }
      // A canary typo among thousands of people is not a fleet looking canaries up.
      if (evidence.canaries * config.canaryRatio < evidence.asked) evidence = { ...evidence, canaries: 0 };
      const fresh = judge(settings, { reported, registered }, evidence, false);
      const earlier = component.map((a) => previous.get(a)).find((f) => f !== undefined);
      // Once flagged, a fleet stays flagged while its accounts stay linked (until a window after
      // they went quiet), at its strongest judgement: its share of canaries or misses rises and
      // falls with the blocks it walks, and each fall would give every member a clean slate.
      const judgement = earlier && earlier.judgement.score > fresh.score ? earlier.judgement : fresh;
      if (judgement.verdict === 'allow') continue;
      component.sort();
      found.push({
        id: earlier?.id ?? `fleet-${component[0]}`,
        accounts: component,
        judgement,
        evidence,
        reported,
        registered,
        at: time,
        since: earlier?.since ?? time,
      });
    }
    fleets = found.sort(
      (a, b) => b.judgement.score - a.judgement.score || b.accounts.length - a.accounts.length,
    );
    byAccount = new Map();
    for (const fleet of fleets) for (const account of fleet.accounts) byAccount.set(account, fleet);
    nextRecompute = Math.floor(time / config.recompute) * config.recompute + config.recompute;
  }

  return {
    observe(request, account) {
      const time = request.time;
      members.set(request.account, {
        evidence: account.evidence,
        reported: account.reported,
        registered: account.registered,
        lastSeen: time,
      });
      link(`i:${request.ip}`, request.account, time);
      const ip = parseIp(request.ip);
      if (ip) link(`s:${subnetOf(ip)}`, request.account, time);
      link(`d:${request.device}`, request.account, time);
      if (request.asn !== undefined) {
        const window = Math.floor(account.firstSeen / config.registrationWindow);
        link(`r:${request.asn}:${window}`, request.account, time);
      }
    },
    fleetOf(account, time) {
      if (time >= nextRecompute) recompute(time);
      return byAccount.get(account);
    },
    flagged: () => fleets,
  };
}
