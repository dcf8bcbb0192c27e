import type { Io } from './context.js';

/**
 * A progress line on standard error for long jobs, redrawn at most every 200 ms, and only when
 * standard error is a terminal (logs and pipes stay clean).
 */
export function progressReporter(_io: Io, label: string, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let last = 0;
  const enabled = Boolean(stream.isTTY);
  return {
    update(done: number, total: number): void {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 200 && done < total) return;
      last = now;
      const fraction = total > 0 ? done / total : 1;
      const width = 30;
      const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
      const rate = done / Math.max(0.001, (now - started) / 1000);
      stream.write(`\r${label} [${bar}] ${done}/${total} ${Math.round(rate)}/s`);
    },
    done(): void {
      if (enabled) stream.write('\n');
    },
  };
}
