/**
 * A one-line progress bar on standard error for long jobs, redrawn at most every 200 ms, and
 * only when standard error is a terminal and the job is longer than `minTotal` (logs and pipes
 * stay clean, short jobs stay quiet).
 */
export function progressReporter(
  label: string,
  options: { minTotal?: number; stream?: NodeJS.WriteStream } = {},
) {
  const stream = options.stream ?? process.stderr;
  const minTotal = options.minTotal ?? 0;
  const started = Date.now();
  let last = 0;
  let visible = false;
  return {
    update(done: number, total: number): void {
      if (!stream.isTTY || total <= minTotal) return;
      const now = Date.now();
      if (now - last < 200 && done < total) return;
      last = now;
      visible = true;
      const fraction = total > 0 ? done / total : 1;
      const width = 30;
      const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
      const rate = done / Math.max(0.001, (now - started) / 1000);
      stream.write(`\r${label} [${bar}] ${done}/${total} ${Math.round(rate)}/s`);
    },
    done(): void {
      if (visible) stream.write('\n');
    },
  };
}
