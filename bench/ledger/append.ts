// Ledger append throughput: records sequenced durably and integrated into published checkpoints,
// with many concurrent callers, beside the bound of hashing the same entries alone (no I/O).
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { sealRecords } from '../../src/ledger/entry.js';
import { hashLeaf } from '../../src/ledger/merkle.hash.js';
import { CompactRange } from '../../src/ledger/merkle.range.js';
import { openLocalLedger } from '../../src/ledger/open.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/store.js';
import { fmt, measureFsync, tempDir } from '../support.js';

const total = Number(process.env.N ?? 200_000);
const callers = Number(process.env.CALLERS ?? 256);

function record(i: number) {
  return {
    type: 'access.check',
    id: `chk_${i}`,
    body: { actor: `usr_${i % 1500}`, subject: `u${i}`, fields: ['identity.phone'], decision: 'deny' },
  };
}

async function durable(batchable: boolean): Promise<{ records: number; entries: number }> {
  const dataDir = tempDir('custos-bench-ledger-');
  const store = await openStore({ dataDir });
  await migrateToLatest(store);
  // The defaults of the ledger.* settings, as `custos serve` runs it.
  const { ledger } = await openLocalLedger({
    store,
    clock: systemClock,
    logger: createLogger({ level: 'warn', pretty: false }),
    origin: 'bench.local/ledger',
    dir: join(dataDir, 'ledger'),
    keyFile: join(dataDir, 'keys', 'ledger.skey'),
    tuning: { maxPending: 1_000_000 },
  });
  let next = 0;
  let last = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < total) {
        const { index } = await ledger.append(record(next++), { batchable });
        if (index > last) last = index;
      }
    }),
  );
  await ledger.awaitIntegration(last, 120_000);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const entries = ledger.sizes().integrated;
  await ledger.close();
  await store.close();
  return { records: total / seconds, entries: entries / seconds };
}

function hashOnly(): number {
  const entries = sealRecords(Array.from({ length: total }, (_, i) => record(i))).map((s) => s.entry);
  const start = process.hrtime.bigint();
  const range = new CompactRange();
  for (const entry of entries) range.append(hashLeaf(entry));
  range.root();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return total / seconds;
}

const bound = hashOnly();
const { entries: rate } = await durable(false);
const batched = await durable(true);
const fsyncMs = measureFsync();
console.log(`ledger append: ${fmt(total)} records, ${callers} concurrent callers, SQLite store`);
console.log(`  durable + integrated: ${fmt(rate)} entries/s`);
console.log(`  hash-only bound:      ${fmt(bound)} entries/s (leaf + tree hashes, no I/O)`);
console.log(
  `  ratio:                ${fmt((100 * rate) / bound, 1)}% of the bound (target >= 25%, and >= 50,000/s)`,
);
console.log(
  `  batchable records (several per entry): ${fmt(batched.records)} records/s in ${fmt(batched.entries)} entries/s`,
);
console.log(`  fsync (4 KiB write + fsync, median): ${fmt(fsyncMs, 3)} ms`);
