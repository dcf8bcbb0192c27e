import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Each file gets its own SQLite file, PostgreSQL schema or Redis prefix, so files run in parallel.
    // Two cores in CI: vitest's default (one fork fewer than the cores) would run one file at a
    // time. Most files wait on PostgreSQL, Redis, NATS or Chromium, so two forks keep both busy.
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: 2 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
