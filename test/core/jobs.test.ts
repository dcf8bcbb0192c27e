import { afterEach, describe, expect, it, vi } from 'vitest';
import { createJobs } from '../../src/core/jobs.js';
import { createLogger } from '../../src/core/logger.js';

const logger = createLogger({ level: 'silent', pretty: false });

describe('background jobs', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs each job on its interval once started, and not before', async () => {
    vi.useFakeTimers();
    const runs: string[] = [];
    const jobs = createJobs(
      [
        { name: 'a', intervalMs: 1000, run: async () => runs.push('a') },
        { name: 'b', intervalMs: 3000, run: async () => runs.push('b') },
      ],
      logger,
    );
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toEqual([]);
    jobs.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(runs.filter((r) => r === 'a')).toHaveLength(3);
    expect(runs.filter((r) => r === 'b')).toHaveLength(1);
    await jobs.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(4);
  });

  it('skips a turn while the previous run is still going, and stop waits for it', async () => {
    vi.useFakeTimers();
    let started = 0;
    let finish: () => void = () => undefined;
    const jobs = createJobs(
      [
        {
          name: 'slow',
          intervalMs: 100,
          run: () => {
            started++;
            return new Promise<void>((resolve) => {
              finish = resolve;
            });
          },
        },
      ],
      logger,
    );
    jobs.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toBe(1);
    let stopped = false;
    const stopping = jobs.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(stopped).toBe(true);
  });

  it('logs a failed run with the job name and keeps running the job', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    const recording = { ...logger, error: (...args: unknown[]) => errors.push(args) } as typeof logger;
    let calls = 0;
    const jobs = createJobs(
      [
        {
          name: 'flaky',
          intervalMs: 100,
          run: async () => {
            calls++;
            throw new Error('store down');
          },
        },
      ],
      recording,
    );
    jobs.start();
    await vi.advanceTimersByTimeAsync(300);
    await jobs.stop();
    expect(calls).toBe(3);
    expect(errors).toHaveLength(3);
    expect(JSON.stringify(errors[0])).toContain('flaky');
  });
});
