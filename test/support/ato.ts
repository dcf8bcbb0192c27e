import { Redis } from 'ioredis';
import { createRules, type Rules } from '../../src/ato/rules.js';
import type { AccountHistory, AuthEvent, Features } from '../../src/ato/types.js';
import { type AtoRulesConfigInput, atoRulesConfig } from '../../src/core/config.ato.rules.js';
import {
  type CounterOp,
  type Counters,
  createMemoryCounters,
  createRedisCounters,
} from '../../src/limits/index.js';
import { redisUrl, uniqueName } from './services.js';

/** 2026-01-01T00:00Z: a whole number of every bucket size the rules use. */
export const T0 = Date.UTC(2026, 0, 1);
export const s = 1000;
export const m = 60 * s;
export const h = 60 * m;
export const d = 24 * h;

/** Counters on one backend, counting the batches run, with a way to throw them away. */
export interface CountersHarness {
  counters: Counters;
  /** Batches run so far, with their ops. */
  batches: CounterOp[][];
  dispose(): Promise<void>;
}

function counted(inner: Counters, batches: CounterOp[][]): Counters {
  return {
    run: (time, ops) => {
      batches.push([...ops]);
      return inner.run(time, ops);
    },
    close: () => inner.close(),
  };
}

function memoryCounters(): CountersHarness {
  const batches: CounterOp[][] = [];
  const counters = counted(createMemoryCounters(), batches);
  return { counters, batches, dispose: () => counters.close() };
}

function redisCounters(url: string): CountersHarness {
  const batches: CounterOp[][] = [];
  const keyPrefix = `${uniqueName('custos_test')}:`;
  const counters = counted(createRedisCounters({ url, keyPrefix }), batches);
  return {
    counters,
    batches,
    async dispose() {
      const admin = new Redis(url);
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
      await counters.close();
    },
  };
}

/** The counter backends to run a suite on: memory always, Redis when available. */
export const counterBackends: [string, () => CountersHarness][] = [['memory', memoryCounters]];
if (redisUrl) counterBackends.push(['redis', () => redisCounters(redisUrl as string)]);

export const config = (input: AtoRulesConfigInput = {}) => atoRulesConfig.parse(input);

export function rulesOn(harness: CountersHarness, input: AtoRulesConfigInput = {}): Rules {
  return createRules({ counters: harness.counters, config: config(input) });
}

/** Rules on memory counters, for the rules that need no shared state. */
export function memoryRules(input: AtoRulesConfigInput = {}): Rules {
  return createRules({ counters: createMemoryCounters(), config: config(input) });
}

export const berlin = { latitude: 52.52, longitude: 13.405 };
export const newYork = { latitude: 40.7128, longitude: -74.006 };

/** Features of an ordinary event: a German mobile number on a German access network, in Berlin. */
export function features(
  overrides: {
    ip?: Partial<Features['ip']>;
    phone?: Partial<Features['phone']>;
    agent?: Partial<Features['agent']>;
  } = {},
): Features {
  return {
    ip: {
      kind: 'public',
      version: 4,
      address: '198.51.100.7',
      subnet: '198.51.100.0/24',
      country: 'DE',
      city: 'Berlin',
      ...berlin,
      asn: 3320,
      hosting: false,
      ...overrides.ip,
    },
    phone: {
      status: 'valid',
      e164: '+4915112345678',
      country: 'DE',
      type: 'mobile',
      prefix: '+491511',
      ...overrides.phone,
    },
    agent: {
      status: 'parsed',
      agent: 'Messenger/7.1 Android/14',
      browser: 'Messenger 7',
      os: 'Android 14',
      deviceType: 'mobile',
      ...overrides.agent,
    },
    hour: 12,
  };
}

/** The owner's account: active on `owner-phone` an hour before T0, seen in Germany, no PIN. */
export function history(overrides: Partial<AccountHistory> = {}): AccountHistory {
  return {
    account: 'acct-owner',
    observations: 40,
    firstSeen: T0 - 300 * d,
    lastSeen: T0 - h,
    tables: { country: { DE: 40 } },
    devices: [{ id: 'owner-phone', firstSeen: T0 - 300 * d, lastSeen: T0 - h, country: 'DE' }],
    lastLocation: { time: T0 - h, ...berlin, country: 'DE' },
    activeDevice: { id: 'owner-phone', lastActive: T0 - h },
    ...overrides,
  };
}

export function event(overrides: Partial<AuthEvent> & Pick<AuthEvent, 'type'>): AuthEvent {
  return {
    time: T0,
    account: 'acct-owner',
    phone: '+4915112345678',
    device: 'owner-phone',
    ip: '198.51.100.7',
    userAgent: 'Messenger/7.1 Android/14',
    ...overrides,
  };
}

/** The reason codes of findings, in order. */
export const codes = (findings: { reasons: { code: string }[] }): string[] =>
  findings.reasons.map((r) => r.code);
