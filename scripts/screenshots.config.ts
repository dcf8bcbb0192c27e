import { defineConfig } from 'vitest/config';

// `npm run screenshots`: regenerates docs/screenshots/ from a seeded Custos in Chromium. Not part
// of `npm test` (it writes into the repository); it shares the browser tests' setup.
export default defineConfig({
  test: {
    include: ['scripts/screenshots.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
