import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Median, p99 and mean of a list of samples. */
export function summarize(samples: number[]): { median: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return { median: at(0.5), p99: at(0.99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

/** The machine's cost of one durable write: write 4 KiB and fsync, repeated; median in ms. */
export function measureFsync(rounds = 200): number {
  const dir = mkdtempSync(join(tmpdir(), 'custos-fsync-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const block = Buffer.alloc(4096, 7);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    writeSync(fd, block);
    fsyncSync(fd);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return summarize(samples).median;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
