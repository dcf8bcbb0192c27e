import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { discoveryConfig } from '../../src/core/config.discovery.js';
import { CustosError, isCustosError } from '../../src/core/errors.js';
import { createLogger } from '../../src/core/logger.js';
import { discoveryAccountCodec } from '../../src/discovery/accounts.js';
import { createCanaries } from '../../src/discovery/canaries.js';
import { type CanaryExposure, createCheck, type DiscoveryRecordBody } from '../../src/discovery/check.js';
import { createFleetTracker } from '../../src/discovery/fleets.js';
import { createFingerprinter } from '../../src/discovery/numbers.js';
import type { DiscoveryAccount, DiscoveryRequest } from '../../src/discovery/types.js';
import { createMemoryRates, createRedisRates, type Rates } from '../../src/limits/index.js';
import { createAccountStates } from '../../src/store/account-state.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore, type Store } from '../../src/store/store.js';
import { book, run } from '../support/numbers.js';
import { redisUrl, uniqueName } from '../support/services.js';

const tempDataDir = () => mkdtempSync(join(tmpdir(), 'custos-discovery-'));

// The check on each rates backend, on a real (in-memory SQLite) store of account quotas. Numbers
// are hand-counted; see test/support/numbers.ts for how books and runs are made.

const minute = 60_000;
const hour = 60 * minute;

interface Backend {
  rates(): Rates;
  dispose(): Promise<void>;
}
const backends: [string, () => Backend][] = [
  ['memory', () => ({ rates: () => createMemoryRates(), dispose: async () => undefined })],
];
if (redisUrl) {
  backends.push([
    'redis',
    () => {
      const keyPrefix = `${uniqueName('custos_test')}:`;
      return {
        rates: () => createRedisRates({ url: redisUrl as string, keyPrefix }),
        async dispose() {
          const admin = new Redis(redisUrl as string);
          const keys = await admin.keys(`${keyPrefix}*`);
          if (keys.length > 0) await admin.del(...keys);
          await admin.quit();
        },
      };
    },
  ]);
}

describe.each(backends)('the discovery check on %s rates', (_name, open) => {
  let backend: Backend;
  let store: Store;
  let clock: ManualClock;
  let recorded: { id: string; body: DiscoveryRecordBody }[];
  let exposed: CanaryExposure[];
  let failRecord: boolean;
  let rates: Rates;

  beforeEach(async () => {
    backend = open();
    store = await openStore({ dataDir: tempDataDir(), sqliteFile: ':memory:' });
    await migrateToLatest(store);
    clock = createManualClock(Date.UTC(2026, 5, 1));
    recorded = [];
    exposed = [];
    failRecord = false;
    rates = backend.rates();
  });
  afterEach(async () => {
    await rates.close();
    await store.close();
    await backend.dispose();
  });

  function makeCheck(overrides: Record<string, unknown> = {}) {
    const config = discoveryConfig.parse({
      quota: { allowance: 1000, refillPerHour: 6 },
      batchMax: 500,
      ...overrides,
    });
    const accounts = createAccountStates<DiscoveryAccount>({
      store,
      clock,
      logger: createLogger({ level: 'silent', pretty: false }),
      codec: discoveryAccountCodec,
      cacheSize: 1000,
      table: 'discovery_accounts',
      column: 'state',
    });
    const check = createCheck({
      clock,
      config,
      rates,
      accounts,
      fingerprint: createFingerprinter(Buffer.alloc(32, 7)),
      async record(id, body) {
        if (failRecord) throw new Error('ledger down');
        recorded.push({ id, body });
      },
      canaries: createCanaries(config.canaries, Buffer.alloc(32, 9)),
      async recordCanaries(rows) {
        exposed.push(...rows);
      },
      fleets: createFleetTracker(config),
    });
    return { check, accounts };
  }

  const request = (numbers: string[], extra: Partial<DiscoveryRequest> = {}): DiscoveryRequest => ({
    account: 'acct-1',
    device: 'dev-1',
    ip: '198.51.100.7',
    numbers,
    mode: 'full',
    time: clock.now(),
    ...extra,
  });

  it('answers a first sync whole, then charges nothing for the same numbers again', async () => {
    const { check } = makeCheck();
    const first = await check.check(request(book(0, 300)), 'svc');
    expect(first).toMatchObject({ decision: 'allow', quotaRemaining: 700, reasons: [] });
    expect(first.allowed).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(first.counts).toEqual({ numbers: 300, invalid: 0, duplicates: 0, new: 300, known: 0 });
    const again = await check.check(request(book(0, 300), { mode: 'incremental' }), 'svc');
    expect(again.counts).toMatchObject({ new: 0, known: 300 });
    expect(again.quotaRemaining).toBe(700);
    expect(recorded).toEqual([]);
  });

  it('answers known numbers and as many new ones as the quota holds, and records the partial answer', async () => {
    const { check } = makeCheck();
    await check.check(request(book(0, 400)), 'svc');
    await check.check(request(book(400, 400)), 'svc');
    // 200 left: 50 known numbers and 300 new ones get the 50 and the first 200 new.
    const numbers = [...book(0, 50), ...book(800, 300)];
    const partial = await check.check(request(numbers), 'svc');
    expect(partial.decision).toBe('partial');
    expect(partial.allowed).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(partial.quotaRemaining).toBe(0);
    expect(partial.retryAfterMs).toBe(10 * minute);
    expect(partial.reasons.map((r) => r.code)).toEqual(['quota.exhausted']);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      id: partial.id,
      body: {
        decision: 'partial',
        allowed: 250,
        account: 'acct-1',
        caller: 'svc',
        counts: { new: 300, known: 50 },
      },
    });
    // New numbers only: throttled until the refill, which brings one number per ten minutes.
    const none = await check.check(request(book(2000, 5)), 'svc');
    expect(none).toMatchObject({ decision: 'throttle', allowed: [], retryAfterMs: 10 * minute });
    clock.advance(30 * minute);
    const refilled = await check.check(request(book(2000, 5)), 'svc');
    expect(refilled).toMatchObject({ decision: 'partial', allowed: [0, 1, 2] });
  });

  it('throttles a batch over a shared limit, charges it nowhere, and names the limit', async () => {
    const { check } = makeCheck({ limits: { account: { limit: 1000, period: '1h' } } });
    await check.check(request(book(0, 500)), 'svc');
    await check.check(request(book(0, 500)), 'svc');
    const third = await check.check(request(book(500, 100)), 'svc');
    expect(third).toMatchObject({ decision: 'throttle', allowed: [] });
    // 1,000 an hour is one every 3.6 s; 100 more need 360 s.
    expect(third.retryAfterMs).toBe(360_000);
    expect(third.reasons.map((r) => r.code)).toEqual(['limit.account']);
    expect(third.quotaRemaining).toBe(500);
    // Another account on the same device is not held by this account's limit, only by the device's.
    const other = await check.check(request(book(500, 100), { account: 'acct-2' }), 'svc');
    expect(other.decision).toBe('allow');
  });

  it('slows a sweep through one destination prefix however many accounts share it', async () => {
    const { check } = makeCheck({ limits: { prefix: { limit: 500, period: '1h' } } });
    const sweep = (account: string, from: number) =>
      check.check(
        request(book(from, 250), { account, device: account, ip: `203.0.113.${from % 250}` }),
        'svc',
      );
    expect((await sweep('bot-1', 0)).decision).toBe('allow');
    expect((await sweep('bot-2', 250)).decision).toBe('allow');
    const third = await sweep('bot-3', 500);
    expect(third.decision).toBe('throttle');
    expect(third.reasons.map((r) => r.code)).toEqual(['limit.prefix']);
    // Numbers in another prefix are not held by it.
    const elsewhere = await check.check(
      request(book(0, 250, '+447400'), { account: 'bot-3', device: 'bot-3', ip: '203.0.113.200' }),
      'svc',
    );
    expect(elsewhere.decision).toBe('allow');
  });

  it('shadows a sweep, then throttles it as the evidence grows, charging it nothing', async () => {
    const { check, accounts } = makeCheck();
    const scraper = (numbers: string[], phone?: string) =>
      check.check(request(numbers, { account: 'bot', device: 'bot', ...(phone ? { phone } : {}) }), 'svc');
    // 150 consecutive numbers: a sweep (12) in order (4) = 16, shadowed.
    const first = await scraper(run(0, 150));
    expect(first).toMatchObject({ decision: 'shadow', allowed: [], score: 16 });
    expect(first.reasons.map((r) => r.code)).toEqual(['enumeration.sweep', 'enumeration.sorted']);
    // 150 more, now with the account's own number given, a US one: all foreign (6) → 22, throttled.
    const second = await scraper(run(150, 150), '+12015550100');
    expect(second).toMatchObject({ decision: 'throttle', allowed: [], retryAfterMs: hour, score: 22 });
    expect(second.reasons.map((r) => r.code)).toEqual([
      'enumeration.sweep',
      'enumeration.sorted',
      'plausibility.foreign_book',
    ]);
    expect(recorded.map((r) => [r.body.decision, r.body.score])).toEqual([
      ['shadow', 16],
      ['throttle', 22],
    ]);
    // Shadowed and throttled numbers were never answered: not charged, not remembered.
    const state = await accounts.get('bot');
    expect(state).toMatchObject({
      answered: 0,
      evidence: { asked: 300, dense: 300, withOwn: 150, foreign: 150 },
    });
    expect(state?.seen.size).toBe(0);
    expect(second.quotaRemaining).toBe(1000);
  });

  it('learns the hit rate from results, and shadows an account whose numbers are mostly not registered', async () => {
    const { check } = makeCheck();
    const first = await check.check(request(book(0, 250)), 'svc');
    expect(first.decision).toBe('allow');
    expect(await check.report({ account: 'acct-1', check: first.id, registered: 25 })).toEqual({
      hitRate: 0.1,
    });
    const next = await check.check(request(book(250, 10)), 'svc');
    expect(next).toMatchObject({ decision: 'shadow', score: 10, allowed: [] });
    expect(next.reasons.map((r) => r.code)).toEqual(['enumeration.hit_rate_low']);
    // The known numbers of a shadowed check are still answered: they were learnt already.
    const mixed = await check.check(request([...book(0, 5), ...book(260, 5)]), 'svc');
    expect(mixed).toMatchObject({ decision: 'shadow', allowed: [0, 1, 2, 3, 4] });
  });

  it('answers a cohort’s keyed share of canary numbers “registered”, even in shadow, and records it', async () => {
    const canaries = {
      prefixes: ['+447700900'],
      density: 0.1,
      cohort: 'account',
      honeyPrefixes: ['+447700800'],
    };
    const { check } = makeCheck({ canaries });
    // A sweep through the whole canary range: shadowed (sweep, sorted, canaries), yet about a tenth
    // of the range comes back "registered", as it would in a real dump.
    const range = run(0, 500, '+447700900');
    const swept = await check.check(request(range, { account: 'bot-a', device: 'bot-a' }), 'svc');
    expect(swept.decision).toBe('throttle');
    expect(swept.reasons.map((r) => r.code)).toEqual([
      'canary.lookup',
      'enumeration.sweep',
      'enumeration.sorted',
    ]);
    expect(swept.canaries).toEqual([]);
    const other = makeCheck({
      canaries,
      detection: { thresholds: { shadow: 10, throttle: 100, block: 200 } },
    });
    const a = await other.check.check(request(range, { account: 'bot-a', device: 'bot-a' }), 'svc');
    const b = await other.check.check(request(range, { account: 'bot-b', device: 'bot-b' }), 'svc');
    expect(a.decision).toBe('shadow');
    expect(a.allowed).toEqual([]);
    // About 50 of 500 each (binomial, sd ≈ 6.7), and two accounts see different sets.
    for (const answer of [a, b]) {
      expect(answer.canaries.length).toBeGreaterThan(25);
      expect(answer.canaries.length).toBeLessThan(75);
    }
    expect(a.canaries).not.toEqual(b.canaries);
    // The same account is shown the same set again within the rotation period.
    const again = await other.check.check(request(range, { account: 'bot-a', device: 'bot-a' }), 'svc');
    expect(again.canaries).toEqual(a.canaries);
    const exposures = exposed.filter((e) => e.check === a.id);
    expect(exposures.map((e) => e.number)).toEqual(a.canaries.map((i) => range[i]));
    expect(exposures[0]).toMatchObject({ account: 'bot-a', cohort: 'a:bot-a', at: clock.now() });
  });

  it('lets one canary or honey number in an address book pass (a typo), and trips on two honey numbers', async () => {
    const canaries = {
      prefixes: ['+447700900'],
      density: 1,
      cohort: 'account',
      honeyPrefixes: ['+447700800'],
    };
    const { check } = makeCheck({ canaries });
    const typo = await check.check(request([...book(0, 20), '+447700900123']), 'svc');
    expect(typo).toMatchObject({ decision: 'allow', canaries: [20], score: 0 });
    const typoHoney = await check.check(
      request([...book(40, 20), '+447700800999'], { account: 'acct-3' }),
      'svc',
    );
    expect(typoHoney).toMatchObject({ decision: 'allow', score: 0 });
    const honey = await check.check(
      request([...book(20, 20), '+447700800123', '+447700800124'], { account: 'acct-2' }),
      'svc',
    );
    expect(honey).toMatchObject({ decision: 'throttle', score: 25, allowed: [] });
    expect(honey.reasons.map((r) => r.code)).toEqual(['canary.honey_range']);
  });

  // 20 accounts, each asking for 10 consecutive numbers an hour through 5 shared proxies: 10 per
  // check and 30 per account stay under every minimum of one account. Returns the fourth round's
  // answer to the first account.
  async function slowFleet(check: ReturnType<typeof makeCheck>['check']) {
    const sweep = (i: number, round: number) =>
      check.check(
        request(run(1000 * i + 10 * round, 10), {
          account: `slow-${i}`,
          device: `slow-${i}`,
          ip: `203.0.113.${(i + round) % 5}`,
        }),
        'svc',
      );
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20; i++) {
        const answer = await sweep(i, round);
        // Fleets are found every 10 minutes of event time; the first round sees none yet.
        if (round === 0) expect(answer.decision).toBe('allow');
      }
      clock.advance(hour);
    }
    return sweep(0, 3);
  }

  it('shadows every member of a fleet of slow sweepers once the fleet is found', async () => {
    const { check } = makeCheck();
    const next = await slowFleet(check);
    expect(next.decision).toBe('shadow');
    expect(next.reasons.map((r) => r.code)).toEqual(['fleet.member']);
    expect(next.reasons[0]?.message).toMatch(/One of 20 accounts/);
  });

  it('goes no further than fleets.memberVerdict on membership alone', async () => {
    // Thresholds low enough that the fleet's score alone would block.
    const thresholds = { shadow: 1, throttle: 2, block: 3 };
    const shadowed = await slowFleet(makeCheck({ detection: { thresholds } }).check);
    expect(shadowed.score).toBeGreaterThanOrEqual(3);
    expect(shadowed.decision).toBe('shadow');
    clock.advance(2 * 24 * hour);
    const blocked = await slowFleet(
      makeCheck({ detection: { thresholds }, fleets: { memberVerdict: 'block' } }).check,
    );
    expect(blocked.decision).toBe('block');
    expect(blocked.allowed).toEqual([]);
  });

  it('never lets two syncs at once spend the same allowance', async () => {
    const { check } = makeCheck({ quota: { allowance: 100, refillPerHour: 1 } });
    const [a, b] = await Promise.all([
      check.check(request(book(0, 80)), 'svc'),
      check.check(request(book(80, 80)), 'svc'),
    ]);
    expect(a.allowed.length + b.allowed.length).toBe(100);
    expect([a.decision, b.decision].sort()).toEqual(['allow', 'partial']);
    expect(b.quotaRemaining).toBe(0);
  });

  it('counts bad entries and repeats, and answers neither', async () => {
    const { check } = makeCheck();
    const decided = await check.check(
      request(['+447700000001', 'nope', '+447700000001', '+447700000002']),
      'svc',
    );
    expect(decided.decision).toBe('allow');
    expect(decided.allowed).toEqual([0, 3]);
    expect(decided.counts).toEqual({ numbers: 4, invalid: 1, duplicates: 1, new: 2, known: 0 });
    expect(decided.reasons.map((r) => r.code)).toEqual(['numbers.invalid', 'numbers.duplicate']);
  });

  it('refuses a batch over batchMax whole, and a registered list of the wrong length', async () => {
    const { check } = makeCheck();
    await expect(check.check(request(book(0, 501)), 'svc')).rejects.toSatisfy((e) =>
      isCustosError(e, 'request.too_large'),
    );
    await expect(check.check(request(book(0, 3), { registered: [true] }), 'svc')).rejects.toSatisfy((e) =>
      isCustosError(e, 'request.invalid'),
    );
  });

  it('charges nothing when the decision cannot be recorded', async () => {
    const { check } = makeCheck({ quota: { allowance: 10, refillPerHour: 1 } });
    failRecord = true;
    await expect(check.check(request(book(0, 20)), 'svc')).rejects.toThrow('ledger down');
    failRecord = false;
    const after = await check.check(request(book(0, 20)), 'svc');
    expect(after).toMatchObject({ decision: 'partial', quotaRemaining: 0 });
    expect(after.allowed).toHaveLength(10);
  });

  it('keeps the quota and the numbers in the store across a restart', async () => {
    const first = makeCheck();
    await first.check.check(
      request(book(0, 300), { registered: book(0, 300).map((_, i) => i < 240) }),
      'svc',
    );
    await first.check.check(request(book(300, 300)), 'svc');
    await first.accounts.flush();
    const second = makeCheck();
    const state = await second.accounts.get('acct-1');
    expect(state?.seen.size).toBe(600);
    expect(state).toMatchObject({ answered: 600, reported: 300, registered: 240 });
    const again = await second.check.check(request(book(100, 400)), 'svc');
    expect(again.counts.known).toBe(400);
    expect(again.quotaRemaining).toBe(400);
  });
});

describe('the discovery check when the shared limits do not answer', () => {
  it('throttles every check with a minute to wait and says why (limitsUnavailable: throttle)', async () => {
    const store = await openStore({ dataDir: tempDataDir(), sqliteFile: ':memory:' });
    await migrateToLatest(store);
    const clock = createManualClock(Date.UTC(2026, 5, 1));
    // What the Redis rates throw when Redis does not answer (test/limits/rates.test.ts shows it).
    const down: Rates = {
      consumeAll: async () => {
        throw new CustosError('limits.unavailable');
      },
      close: async () => undefined,
    };
    try {
      const check = createCheck({
        clock,
        config: discoveryConfig.parse({ limitsUnavailable: 'throttle' }),
        rates: down,
        accounts: createAccountStates<DiscoveryAccount>({
          store,
          clock,
          logger: createLogger({ level: 'silent', pretty: false }),
          codec: discoveryAccountCodec,
          cacheSize: 1000,
          table: 'discovery_accounts',
          column: 'state',
        }),
        fingerprint: createFingerprinter(Buffer.alloc(32, 1)),
        record: async () => undefined,
        canaries: createCanaries(discoveryConfig.parse({}).canaries, Buffer.alloc(32, 1)),
        recordCanaries: async () => undefined,
      });
      const decided = await check.check(
        { account: 'a', device: 'd', ip: '192.0.2.1', numbers: book(0, 3), mode: 'full' },
        'svc',
      );
      expect(decided).toMatchObject({ decision: 'throttle', allowed: [], retryAfterMs: 60_000 });
      expect(decided.reasons.map((r) => r.code)).toEqual(['limits.unavailable']);
    } finally {
      await store.close();
    }
  });
});
