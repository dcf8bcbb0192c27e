// Memory per tracked account: a whole Custos (SQLite, background jobs running as `custos serve`
// runs them) takes SESSIONS logins of each of ACCOUNTS new accounts through the assessment, every
// decision recorded; the heap and resident growth over that, per account, is what an operator
// sizes a node by. Beside it, the part that is the accounts' histories: the same histories read
// back from the store and decoded, alone on the heap. Needs --expose-gc.
import { createCustos } from '../../src/app.js';
import type { AccountHistory, AuthEvent } from '../../src/ato/types.js';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { createRandom } from '../../src/sim/ato/random.js';
import { fmt, tempDir } from '../support.js';
import { type BenchAccount, createPopulation, loginEvent } from './traffic.js';

const accountsTotal = Number(process.env.MEMORY_ACCOUNTS ?? 5_000);
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
const custos = await createCustos(config, { logger: createLogger({ level: 'silent', pretty: false }) });
custos.atoEngine.preload();
custos.start();

const random = createRandom('bench-ato-memory');
const population = createPopulation(primerAccounts + accountsTotal, 'bench-ato-memory');
const primer = population.slice(0, primerAccounts);
const tracked = population.slice(primerAccounts);
let time = Date.now() - 10 * 60_000 - (primerAccounts + accountsTotal) * sessions * stepMs;

/** `sessions` rounds of logins over `accounts`, through the service from concurrent callers. */
async function learn(accounts: readonly BenchAccount[]): Promise<number> {
  const events: AuthEvent[] = [];
  for (let s = 0; s < sessions; s++) {
    for (const account of accounts) {
      events.push(loginEvent(random, account, time).event);
      time += stepMs;
    }
  }
  let next = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < events.length) await custos.atoAssess.assess(events[next++] as AuthEvent, 'bench');
    }),
  );
  // Two write-behind intervals: every changed history is in the store and no longer dirty.
  await new Promise((resolve) => setTimeout(resolve, 2 * config.ato.historyFlushInterval + 500));
  return events.length / ((performance.now() - begin) / 1000);
}

// Fixed costs first (compiled code, statement caches, the ledger's first tiles), on other accounts.
await learn(primer);
const before = settled();
const rate = await learn(tracked);
const after = settled();

// The histories alone: read back as stored, then decoded and held.
const rows = await custos.store.db
  .selectFrom('ato_accounts')
  .select(['account', 'history'])
  .where(
    'account',
    'in',
    tracked.map((account) => account.id),
  )
  .execute();
const storedBytes = rows.reduce((sum, row) => sum + Buffer.byteLength(row.history), 0) / rows.length;
const bare = settled();
const histories = rows.map((row) => custos.atoEngine.codec.decode(row.account, row.history));
const held = settled();
const decoded = histories.filter((h): h is AccountHistory => h !== undefined);
const observations = decoded.reduce((sum, h) => sum + h.observations, 0) / decoded.length;
await custos.close();

const per = (bytes: number, count: number) => `${fmt(bytes / count)} B`;
const line = (text: string) => console.log(text);
line(
  `memory per tracked account: ${fmt(accountsTotal)} accounts × ${sessions} logins through the service (${fmt(rate)} assessments/s), SQLite store, every decision recorded`,
);
line(
  `  whole Custos: heap +${per(after.heapUsed - before.heapUsed, accountsTotal)}, resident +${per(after.rss - before.rss, accountsTotal)}, buffers +${per(after.arrayBuffers - before.arrayBuffers, accountsTotal)} per account (heap ${fmt(after.heapUsed / 1_048_576, 1)} MiB, resident ${fmt(after.rss / 1_048_576, 1)} MiB in all)`,
);
line(
  `  the histories alone, decoded from the store: heap ${per(held.heapUsed - bare.heapUsed, decoded.length)} per account (${fmt(observations, 1)} learnt logins each; ${fmt(storedBytes)} B of JSON stored)`,
);
line(
  `  histories / whole: ${fmt((100 * (held.heapUsed - bare.heapUsed)) / decoded.length / ((after.heapUsed - before.heapUsed) / accountsTotal), 1)}% of the heap growth`,
);
