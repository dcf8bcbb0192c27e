import type { CallOptions } from './options.js';
import type { Requester } from './transport.js';

/** One address-book sync, before you answer it. */
export interface DiscoveryCheckInput {
  account: string;
  device: string;
  ip: string;
  asn?: number;
  /** E.164 numbers, or your keyed hashes of them (64 hex digits); at most 5,000 by default. */
  numbers: string[];
  mode: 'full' | 'incremental';
  /** Epoch milliseconds; the server's clock when absent. */
  time?: number;
  /** Whether each number is registered, when you already know (same order as `numbers`). */
  registered?: boolean[];
}

export interface DiscoveryCheckResult {
  /** `dch_…`; report results against it. */
  id: string;
  /**
   * `allow`/`partial`: answer the numbers in `allowed` truthfully and nothing else. `shadow`:
   * answer `allowed` truthfully and every other number "not registered". `throttle`/`block`:
   * answer nothing.
   */
  decision: 'allow' | 'partial' | 'throttle' | 'block' | 'shadow';
  /** Indexes into `numbers`, ascending. */
  allowed: number[];
  /** Indexes of canary numbers to answer "registered" with a decoy profile, ascending. */
  canaries: number[];
  /** Seconds until more numbers could be answered. */
  retryAfter?: number;
  reasons: { code: string; message: string; contribution?: number }[];
  /** The enumeration score: the sum of the signals' points. */
  score: number;
  counts: { numbers: number; invalid: number; duplicates: number; new: number; known: number };
  quotaRemaining: number;
}

export interface DiscoveryResultsInput {
  account: string;
  /** The check's id. */
  check: string;
  /** Indexes (into the check's numbers) of the allowed numbers that are registered. */
  registered: number[];
}

export interface DiscoveryResource {
  /** Asks which numbers of a sync may be answered (needs the `discovery.check` scope). */
  check(input: DiscoveryCheckInput, options?: CallOptions): Promise<DiscoveryCheckResult>;
  /** Tells which allowed numbers were registered: the hit rate the guard watches. */
  reportResults(input: DiscoveryResultsInput, options?: CallOptions): Promise<{ hitRate: number | null }>;
}

/** The contact-discovery guard (routes in src/api/routes/discovery.routes.ts). */
export function discoveryResource(request: Requester): DiscoveryResource {
  return {
    check: (input, options) => request('POST', '/v1/discovery/check', { body: input, call: options }),
    reportResults: (input, options) =>
      request('POST', '/v1/discovery/results', { body: input, call: options }),
  };
}
