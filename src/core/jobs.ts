import type { Logger } from './logger.js';

/** Work a node repeats in the background: sweeps, refreshes, pruning. */
export interface Job {
  /** Named in logs when a run fails. */
  name: string;
  intervalMs: number;
  run(): Promise<unknown>;
}

export interface Jobs {
  /** Starts every job's timer; a job whose run is still going skips its next turn. */
  start(): void;
  /** Stops the timers and waits for the runs in progress. */
  stop(): Promise<void>;
}

/**
 * Runs jobs on timers that never keep the process alive. Every node runs every job: each job is
 * written to be safe on several nodes at once (conditional updates claim the work).
 */
export function createJobs(jobs: readonly Job[], logger: Logger): Jobs {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  const busy = new Set<string>();
  return {
    start() {
      if (timers.length) return;
      for (const job of jobs) {
        const timer = setInterval(() => {
          if (busy.has(job.name)) return;
          busy.add(job.name);
          const run = job
            .run()
            .catch((error: unknown) => logger.error({ err: error, job: job.name }, `${job.name} failed`))
            .finally(() => {
              busy.delete(job.name);
              running.delete(run);
            });
          running.add(run);
        }, job.intervalMs);
        timer.unref();
        timers.push(timer);
      }
    },
    async stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      await Promise.all(running);
    },
  };
}
