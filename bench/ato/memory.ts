// Memory per tracked account. First a whole Custos (SQLite, background jobs running as `custos
// serve` runs them, memory counters as on a node without Redis) takes SESSIONS logins of each of
// ACCOUNTS new accounts through the assessment, every decision recorded: the heap and resident
// growth per account is what an operator sizes a node by. Then as many logins again by the same
// accounts: what grows with logins rather than with accounts. Beside them, the same traffic
// through the engine alone (the assessment with histories in a Map and memory counters of its
// own, nothing recorded), whose parts can be released one at a time to weigh them: the counters,
// then the histories. Needs --expose-gc.
import { rmSync } from 'node:fs';
import { createCustos } from '../../src/app.js';
import { createAssess } from '../../src/ato/assess.js';
import { createAtoEngine } from '../../src/ato/engine.js';
import type { AccountHistory, AuthEvent } from '../../src/ato/types.js';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { createMemoryCounters } from '../../src/limits/counters.memory.js';
import { createRandom } from '../../src/sim/ato/random.js';
import { fmt, tempDir } from '../support.js';
import { type BenchAccount, createPopulation, loginEvent } from './traffic.js';

const accountsTotal = Number(process.env.MEMORY_ACCOUNTS ?? 4_000);
const sessions = Number(process.env.SESSIONS ?? 20);
const primerAccounts = 500;
const callers = 256;
const stepMs = 50;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
/** Memory after two full collections (the second frees what finalizers of the first let go). */
function settled(): NodeJS.MemoryUsage {
  gc?.();
  gc?.();
  return process.memoryUsage();
}

const dataDir = tempDir('custos-bench-ato-memory-');
const { config } = loadConfig({ env: {}, overrides: { dataDir, 'log.level': 'silent' } });
const random = createRandom('bench-ato-memory');
const population = createPopulation(primerAccounts + accountsTotal, 'bench-ato-memory');
const primer = population.slice(0, primerAccounts);
const tracked = population.slice(primerAccounts);
const firstTime = Date.now() - 10 * 60_000 - (primerAccounts + 2 * accountsTotal) * sessions * stepMs;

/** `sessions` rounds of logins over `accounts`, from `time` on, one step apart. */
function logins(accounts: readonly BenchAccount[], time: number): AuthEvent[] {
  const events: AuthEvent[] = [];
  for (let s = 0; s < sessions; s++) {
    for (const account of accounts)
      events.push(loginEvent(random, account, time + events.length * stepMs).event);
  }
  return events;
}
// The same events for both, so the engine alone sees what the whole service saw.
const primerEvents = logins(primer, firstTime);
const firstEvents = logins(tracked, firstTime + primerEvents.length * stepMs);
const againEvents = logins(tracked, firstTime + (primerEvents.length + firstEvents.length) * stepMs);

/** Runs `events` through `assess` from concurrent callers; assessments per second. */
async function drive(
  events: readonly AuthEvent[],
  assess: (event: AuthEvent) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < events.length) await assess(events[next++] as AuthEvent);
    }),
  );
  return events.length / ((performance.now() - begin) / 1000);
}

// The whole service.
const custos = await createCustos(config, { logger: createLogger({ level: 'silent', pretty: false }) });
custos.atoEngine.preload();
custos.start();
const viaService = async (events: readonly AuthEvent[]) => {
  const rate = await drive(events, (event) => custos.atoAssess.assess(event, 'bench'));
  // Two write-behind intervals: every changed history is in the store and no longer dirty.
  await new Promise((resolve) => setTimeout(resolve, 2 * config.ato.historyFlushInterval + 500));
  return rate;
};
// Fixed costs first (compiled code, statement caches, the ledger's first tiles), on other accounts.
await viaService(primerEvents);
const before = settled();
const rate = await viaService(firstEvents);
const after = settled();
const stored = await custos.store.db
  .selectFrom('ato_accounts')
  .select((eb) => eb.fn.avg<number>(eb.fn('length', ['history'])).as('bytes'))
  .executeTakeFirstOrThrow();
await viaService(againEvents);
const again = settled();
await custos.close();
rmSync(dataDir, { recursive: true, force: true });

// The engine alone, on the same events.
const counters = createMemoryCounters({ maxKeys: 10_000_000 });
const engine = createAtoEngine({ config: config.ato, counters, localCounters: counters });
engine.preload();
const histories = new Map<string, AccountHistory>();
const assess = createAssess({
  clock: systemClock,
  config: { ...config.ato, clockSkew: Number.MAX_SAFE_INTEGER },
  enrich: engine.enrich,
  score: engine.score,
  rules: engine.rules,
  localRules: engine.localRules,
  observe: engine.observe,
  histories: {
    get: async (account) => histories.get(account),
    put: (history) => void histories.set(history.account, history),
    exclusive: (_account, work) => work(),
  },
  record: async () => 0,
  tallies: { record: () => undefined },
  respond: async () => undefined,
});
const viaEngine = (events: readonly AuthEvent[]) => drive(events, (event) => assess.assess(event, 'bench'));
await viaEngine(primerEvents);
const engineBefore = settled();
const keysBefore = counters.size();
await viaEngine(firstEvents);
const engineAfter = settled();
const keysPerAccount = (counters.size() - keysBefore) / accountsTotal;
// Released one part at a time; what each release frees is that part's share.
const totalKeys = counters.size();
await counters.close();
const withoutCounters = settled();
const totalHistories = histories.size;
histories.clear();
const withoutHistories = settled();

const perAccount = (from: NodeJS.MemoryUsage, to: NodeJS.MemoryUsage, field: 'heapUsed' | 'rss') =>
  (to[field] - from[field]) / accountsTotal;
const serviceHeap = perAccount(before, after, 'heapUsed');
const engineHeap = perAccount(engineBefore, engineAfter, 'heapUsed');
// Freed per key and per history, times the keys and histories one new account brings.
const counterBytes = ((engineAfter.heapUsed - withoutCounters.heapUsed) / totalKeys) * keysPerAccount;
const historyBytes = (withoutCounters.heapUsed - withoutHistories.heapUsed) / totalHistories;
const line = (text: string) => console.log(text);
line(
  `memory per tracked account: ${fmt(accountsTotal)} new accounts × ${sessions} logins through the service (${fmt(rate)} assessments/s), SQLite store, memory counters, every decision recorded`,
);
line(
  `  whole Custos: heap +${fmt(serviceHeap)} B, resident +${fmt(perAccount(before, after, 'rss'))} B per account (heap ${fmt(after.heapUsed / 1_048_576, 1)} MiB, resident ${fmt(after.rss / 1_048_576, 1)} MiB in all); ${fmt(Number(stored.bytes))} B of history JSON stored per account`,
);
line(
  `    the same accounts, ${sessions} logins more each: heap +${fmt(perAccount(after, again, 'heapUsed'))} B, resident +${fmt(perAccount(after, again, 'rss'))} B per account`,
);
line(
  `  the engine alone on the same logins (nothing recorded): heap +${fmt(engineHeap)} B per account (whole / engine: ${fmt(serviceHeap / engineHeap, 2)}x)`,
);
line(
  `    of which counters ${fmt(counterBytes)} B (${fmt(keysPerAccount, 1)} keys per account; a node without Redis keeps at most 200,000 (createMemoryCounters' default, as app.ts builds them): those of about ${fmt(200_000 / keysPerAccount)} accounts), histories ${fmt(historyBytes)} B`,
);
