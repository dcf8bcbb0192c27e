import type { Reason } from '../core/decision.js';

/**
 * The contract of the contact-discovery guard: what the platform asks before it answers an
 * address-book sync (DiscoveryRequest), and what Custos answers (DiscoveryDecision). Times are
 * milliseconds since the epoch, always the request's own time, so a replayed log decides as live
 * traffic did.
 */

export const discoveryModes = ['full', 'incremental'] as const;
export type DiscoveryMode = (typeof discoveryModes)[number];

/**
 * `allow`: answer every number truthfully. `partial`: answer the numbers in `allowed`, nothing for
 * the rest (the quota ran out). `throttle`: answer nothing now, retry after `retryAfterMs`.
 * `block`: answer nothing. `shadow`: answer `allowed` truthfully and every other number "not
 * registered", so a scraper learns less without learning it was caught.
 */
export const discoveryVerdicts = ['allow', 'partial', 'throttle', 'block', 'shadow'] as const;
export type DiscoveryVerdict = (typeof discoveryVerdicts)[number];

export interface DiscoveryRequest {
  /** The platform's account id of the user syncing. */
  account: string;
  device: string;
  ip: string;
  /** The network the address belongs to, when the platform knows it. */
  asn?: number;
  /** The account's own number (E.164), when the platform passes it: address books are mostly local. */
  phone?: string;
  /** E.164 numbers, or keyed hashes (64 hex digits) for platforms that hash on the client. */
  numbers: readonly string[];
  mode: DiscoveryMode;
  /** The request's time; Custos's clock when absent. */
  time?: number;
  /** Whether each number is registered, when the platform already knows (same order as `numbers`). */
  registered?: readonly boolean[];
}

export interface DiscoveryCounts {
  /** Numbers in the request. */
  numbers: number;
  /** Numbers that were neither E.164 nor a hash. */
  invalid: number;
  /** Repeats of a number earlier in the same request. */
  duplicates: number;
  /** Numbers this account had never looked up before (what the quota charges). */
  new: number;
  /** Numbers this account had looked up before (free). */
  known: number;
}

export interface DiscoveryDecision {
  /** The check's id, to report results against (`dch_…`). */
  id: string;
  decision: DiscoveryVerdict;
  /** Indexes into `numbers` that may be answered truthfully, ascending. */
  allowed: number[];
  /**
   * Indexes of canary numbers to answer "registered" (with a decoy profile), ascending. They are
   * never real people; answering them so is what lets a leaked dump be attributed.
   */
  canaries: number[];
  retryAfterMs?: number;
  reasons: Reason[];
  /** The enumeration score: the sum of the signals' points (0 when nothing looks like enumeration). */
  score: number;
  counts: DiscoveryCounts;
  /** New numbers the account may still look up now, after this check. */
  quotaRemaining: number;
}

/** What Custos keeps of one account: the numbers it looked up (as fingerprints) and its quota. */
export interface DiscoveryAccount {
  account: string;
  /** Keyed 32-bit fingerprints of every number looked up and answered. */
  seen: FingerprintSet;
  /** The quota's theoretical arrival time (GCRA), ms: the allowance is full when it is in the past. */
  quotaTat: number;
  /** Numbers answered truthfully. */
  answered: number;
  /** Answered numbers whose registration the platform reported, and how many of those were registered. */
  reported: number;
  registered: number;
  /** What the account asked for, for the enumeration signals (signals.ts). */
  evidence: DiscoveryEvidence;
  firstSeen: number;
  lastSeen: number;
}

/** Counts over the new E.164 numbers an account asked for, answered or not. */
export interface DiscoveryEvidence {
  /** New numbers asked for. */
  asked: number;
  /** Of those, numbers with a close neighbour in the same check or among those looked up before. */
  dense: number;
  /** New numbers asked for while the account's own number was known, and those in another country. */
  withOwn: number;
  foreign: number;
  /** Distinct canary numbers asked for, and numbers in honey ranges. */
  canaries: number;
  honey: number;
}

/** A set of 32-bit fingerprints (seen.ts). */
export interface FingerprintSet {
  has(fingerprint: number): boolean;
  add(fingerprint: number): void;
  readonly size: number;
  /** Bytes held by the set's table. */
  readonly bytes: number;
  values(): Uint32Array;
}
