import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { initialJs, initialJsBudget, type PageName } from '../../bench/console/bundle.js';

// The global setup builds the console into dist/web when web/ changed.
const distDir = fileURLToPath(new URL('../../dist/web', import.meta.url));

describe('the console bundle', () => {
  it.each<PageName>(['sign-in', 'home'])(
    'keeps the initial JavaScript of %s within 250 kB gzipped',
    (page) => {
      expect(existsSync(distDir)).toBe(true);
      const measured = initialJs(distDir, page);
      // The page's own chunks are in the sum, so a route that stopped being lazy shows up here.
      expect(measured.files.length).toBeGreaterThan(1);
      expect(
        measured.gzipBytes,
        measured.files.map((f) => `${f.file} ${f.gzipBytes}`).join('\n'),
      ).toBeLessThanOrEqual(initialJsBudget);
    },
  );

  it('leaves the charts out of the home page’s first download', () => {
    const home = initialJs(distDir, 'home');
    expect(home.files.some((f) => f.file.includes('OverviewCharts'))).toBe(false);
  });
});
