import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Clock, createManualClock } from '../core/clock.js';
import type { DiscoveryConfig } from '../core/config.discovery.js';
import { isCustosError } from '../core/errors.js';
import { createMemoryRates } from '../limits/rates.js';
import { createCanaries } from './canaries.js';
import { type CanaryExposure, createCheck } from './check.js';
import { createFleetTracker } from './fleets.js';
import { createFingerprinter } from './numbers.js';
import {
  type DiscoveryAccount,
  type DiscoveryDecision,
  type DiscoveryRequest,
  type DiscoveryVerdict,
  discoveryModes,
  discoveryVerdicts,
} from './types.js';

/**
 * `custos discovery replay`: a log of checks (JSON lines, in time order) through the same check
 * the API runs, on a clock driven by each line's own time, with the limits and account quotas in
 * memory and nothing recorded. So a day of traffic replays in seconds, and gives the decisions
 * live traffic would have had under these settings. Keys are derived from a fixed text: canary
 * sets shown in a replay are the replay's own, not a server's.
 */

export interface ReplaySummary {
  lines: number;
  requests: number;
  /** Lines that were not a check: bad JSON or fields, with the first few line numbers and why. */
  bad: number;
  badLines: { line: number; why: string }[];
  /** Requests whose time went back from the one before (they are decided at their own time). */
  outOfOrder: number;
  decisions: Record<DiscoveryVerdict, number>;
  numbers: { asked: number; answered: number; registeredAnswered: number };
  accounts: number;
  /** First and last event times, ms. */
  from: number | null;
  to: number | null;
  seconds: number;
  requestsPerSecond: number;
}

/** A line as the log holds it; `t` is unix seconds. Other fields are ignored. */
function requestOf(value: unknown): DiscoveryRequest | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const line = value as Record<string, unknown>;
  const text = (name: string) =>
    typeof line[name] === 'string' &&
    (line[name] as string).length > 0 &&
    (line[name] as string).length <= 128;
  if (typeof line.t !== 'number' || !Number.isFinite(line.t) || line.t < 0) return '`t` must be unix seconds';
  if (!text('account') || !text('device'))
    return '`account` and `device` must be strings of 1 to 128 characters';
  if (typeof line.ip !== 'string' || line.ip.length > 100) return '`ip` must be a string';
  if (!Array.isArray(line.numbers) || line.numbers.length === 0) return '`numbers` must be a non-empty list';
  const mode = line.mode ?? 'full';
  if (!discoveryModes.includes(mode as DiscoveryRequest['mode'])) return '`mode` must be full or incremental';
  if (line.asn !== undefined && !(Number.isSafeInteger(line.asn) && (line.asn as number) >= 0))
    return '`asn` must be a whole number';
  if (
    line.registered !== undefined &&
    !(
      Array.isArray(line.registered) &&
      line.registered.length === line.numbers.length &&
      line.registered.every((r) => typeof r === 'boolean')
    )
  ) {
    return '`registered` must hold one true or false per number';
  }
  return {
    account: line.account as string,
    device: line.device as string,
    ip: line.ip,
    ...(line.asn !== undefined ? { asn: line.asn as number } : {}),
    ...(typeof line.phone === 'string' ? { phone: line.phone } : {}),
    numbers: line.numbers as string[],
    mode: mode as DiscoveryRequest['mode'],
    time: Math.round(line.t * 1000),
    ...(line.registered !== undefined ? { registered: line.registered as boolean[] } : {}),
  };
}

/**
 * The API's check with everything in memory: the shared limits, account state in a Map, the fleet
 * tracker and the canaries, on a clock set to each request's time. One request runs at a time, so
 * there is nothing to serialise and nothing written behind. Canary numbers answered "registered"
 * are kept in `exposures` (a server stores them in discovery_canary_hits). Keys come from `seed`.
 * The replay and the simulation both run this.
 */
export function createMemoryGuard(config: DiscoveryConfig, seed: string) {
  const clock = createManualClock(0);
  const accounts = new Map<string, DiscoveryAccount>();
  const exposures: CanaryExposure[] = [];
  const fleets = createFleetTracker(config);
  const keyOf = (name: string) => createHash('sha256').update(`custos discovery ${seed} ${name}`).digest();
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
    fingerprint: createFingerprinter(keyOf('fingerprint')),
    record: async () => undefined,
    canaries: createCanaries(config.canaries, keyOf('canary')),
    recordCanaries: async (rows) => {
      for (const row of rows) exposures.push(row);
    },
    fleets,
  });
  return {
    check(request: DiscoveryRequest & { time: number }, caller = 'memory'): Promise<DiscoveryDecision> {
      clock.set(request.time);
      return check.check(request, caller);
    },
    exposures,
    fleets,
    accounts,
  };
}

export type MemoryGuard = ReturnType<typeof createMemoryGuard>;

/** Replays `file`; writes one decision line per request to `out` when given. */
export async function replayLog(
  input: { file: string; out?: string; config: DiscoveryConfig },
  deps: { stopwatch: Clock; onProgress?: (done: number, total: number) => void },
): Promise<ReplaySummary> {
  const guard = createMemoryGuard(input.config, 'replay');
  const states = guard.accounts;
  const summary: ReplaySummary = {
    lines: 0,
    requests: 0,
    bad: 0,
    badLines: [],
    outOfOrder: 0,
    decisions: Object.fromEntries(discoveryVerdicts.map((v) => [v, 0])) as Record<DiscoveryVerdict, number>,
    numbers: { asked: 0, answered: 0, registeredAnswered: 0 },
    accounts: 0,
    from: null,
    to: null,
    seconds: 0,
    requestsPerSecond: 0,
  };
  const bad = (line: number, why: string) => {
    summary.bad++;
    if (summary.badLines.length < 20) summary.badLines.push({ line, why });
  };
  const total = statSync(input.file).size;
  const stream = createReadStream(input.file, { highWaterMark: 1 << 20 });
  const out = input.out ? createWriteStream(input.out) : undefined;
  const started = deps.stopwatch.now();
  let last = Number.NEGATIVE_INFINITY;
  try {
    for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      summary.lines++;
      if (text.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        bad(summary.lines, 'not JSON');
        continue;
      }
      const request = requestOf(parsed);
      if (typeof request === 'string') {
        bad(summary.lines, request);
        continue;
      }
      const time = request.time as number;
      if (time < last) summary.outOfOrder++;
      last = Math.max(last, time);
      let decided: DiscoveryDecision;
      try {
        decided = await guard.check({ ...request, time }, 'replay');
      } catch (error) {
        if (!isCustosError(error)) throw error;
        bad(summary.lines, error.message);
        continue;
      }
      summary.requests++;
      summary.decisions[decided.decision]++;
      summary.numbers.asked += request.numbers.length;
      summary.numbers.answered += decided.allowed.length;
      if (request.registered)
        for (const i of decided.allowed) if (request.registered[i]) summary.numbers.registeredAnswered++;
      summary.from = summary.from === null ? time : Math.min(summary.from, time);
      summary.to = summary.to === null ? time : Math.max(summary.to, time);
      if (
        out &&
        !out.write(
          `${JSON.stringify({ decision: decided.decision, allowed: decided.allowed, reasons: decided.reasons })}\n`,
        )
      ) {
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      if ((summary.lines & 0x3ff) === 0) deps.onProgress?.(stream.bytesRead, total);
    }
  } finally {
    if (out)
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
  }
  deps.onProgress?.(total, total);
  summary.accounts = states.size;
  summary.seconds = (deps.stopwatch.now() - started) / 1000;
  summary.requestsPerSecond = summary.requests / Math.max(summary.seconds, 0.001);
  return summary;
}
