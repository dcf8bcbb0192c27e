// Inclusion proofs at 1,000,000 entries: generation from the tiles (through the tile cache the
// server uses) and verification beside it; then whole-log verification throughput.
import { rmSync } from 'node:fs';
import { createFsBlobStore } from '../../src/ledger/blobs.js';
import { parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { hashLeaf, inclusionProof, verifyInclusion } from '../../src/ledger/merkle.js';
import { openSource } from '../../src/ledger/source.js';
import { createTileCache } from '../../src/ledger/tilecache.js';
import { verifyLog } from '../../src/ledger/verify.js';
import { writeTlogFixture } from '../../test/support/tlog-fixture.js';
import { fmt, summarize } from '../support.js';

const size = Number(process.env.N ?? 1_000_000);
const samples = Number(process.env.SAMPLES ?? 20_000);

let start = process.hrtime.bigint();
const log = writeTlogFixture({ size, origin: 'bench.local/proofs' });
const buildSeconds = Number(process.hrtime.bigint() - start) / 1e9;
const note = log.checkpoints.at(-1) as string;
const checkpoint = parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1));
const tiles = createTileCache(createFsBlobStore(log.dir), 8192);
const read = tiles.reader(size);
const folds = tiles.folds(size);

const indexes = Array.from({ length: samples }, () => Math.floor(Math.random() * size));
// First touch: tiles come from disk and are expanded (a server that has just started).
const cold: number[] = [];
for (const index of indexes) {
  const t = process.hrtime.bigint();
  await inclusionProof(index, size, read, folds);
  cold.push(Number(process.hrtime.bigint() - t) / 1000);
}
const c = summarize(cold);

// Warm: the same tiles are cached, as on a server that has been serving proofs for a while.
const generate: number[] = [];
const verify: number[] = [];
for (const index of indexes) {
  let t = process.hrtime.bigint();
  const proof = await inclusionProof(index, size, read, folds);
  generate.push(Number(process.hrtime.bigint() - t) / 1000);
  const leaf = hashLeaf(log.entries[index] as Uint8Array);
  t = process.hrtime.bigint();
  verifyInclusion(index, size, leaf, proof, checkpoint.root);
  verify.push(Number(process.hrtime.bigint() - t) / 1000);
}
const g = summarize(generate);
const v = summarize(verify);

start = process.hrtime.bigint();
const result = await verifyLog(openSource(log.dir), { vkey: log.vkey });
const verifySeconds = Number(process.hrtime.bigint() - start) / 1e9;
if (!result.ok) throw new Error(`the fixture log does not verify: ${JSON.stringify(result.errors[0])}`);
rmSync(log.dir, { recursive: true, force: true });

console.log(
  `ledger proofs: ${fmt(size)}-entry log (written in ${fmt(buildSeconds, 1)} s), ${fmt(samples)} random indexes`,
);
console.log(
  `  inclusion proof generation, warm tile cache: median ${fmt(g.median, 1)} µs, p99 ${fmt(g.p99, 1)} µs (target median < 50 µs)`,
);
console.log(
  `  inclusion proof generation, first touch (tiles read and expanded): median ${fmt(c.median, 1)} µs, p99 ${fmt(c.p99, 1)} µs`,
);
console.log(`  inclusion proof verification: median ${fmt(v.median, 1)} µs, p99 ${fmt(v.p99, 1)} µs`);
console.log(`  generation / verification: ${fmt(g.median / v.median, 2)}x`);
console.log(
  `  custos ledger verify (whole log, from its folder): ${fmt(size / verifySeconds)} entries/s (${fmt(verifySeconds, 1)} s)`,
);
