import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  type ConsoleServer,
  chromiumAvailable,
  keepScreenshot,
  launchChromium,
  openPerson,
  signInAs,
  startConsoleServer,
} from './support/console.js';
import { discoveryOverrides, seedDiscovery } from './support/discovery.js';
import { type Seeded, seedPlatform } from './support/seed.js';

/**
 * Every page the navigation offers, as each role sees it, on a seeded platform: each loads
 * without an error, a page error or a CSP violation, has one main heading, and has no serious or
 * critical accessibility violation, in the light and the dark theme. The pages are read from the
 * navigation itself, so a new module's pages are covered without touching this test.
 */
describe.skipIf(!chromiumAvailable())('every console page in Chromium', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let seeded: Seeded;

  beforeAll(async () => {
    server = await startConsoleServer(discoveryOverrides);
    seeded = await seedPlatform(server.custos, server.baseUrl);
    // Contact discovery with offenders, a fleet and canary hits, so its pages are scanned full.
    await seedDiscovery(server.custos);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  const visited = new Set<string>();
  for (const user of ['dana', 'sam', 'alex', 'erin', 'aud'] as const) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`as ${user} in the ${colorScheme} theme`, { timeout: 300_000 }, async () => {
        const person = await openPerson(browser, server.baseUrl, { colorScheme });
        const { page } = person;
        await signInAs(person, seeded.users[user].username);
        const navigation = page.getByRole('navigation', { name: 'Main navigation' });
        await navigation.getByRole('link').first().waitFor();
        const paths = await navigation
          .getByRole('link')
          .evaluateAll((links) =>
            links.map((link) => new URL((link as unknown as { href: string }).href).pathname),
          );
        expect(paths.length).toBeGreaterThan(0);
        for (const path of paths) {
          // Each role's own pages in both themes; pages another role already showed, once.
          const key = `${path} ${colorScheme}`;
          if (visited.has(key) && user !== 'dana') continue;
          visited.add(key);
          await page.goto(path);
          await page.getByRole('heading', { level: 1 }).first().waitFor();
          await page.waitForLoadState('networkidle');
          await page
            .locator('[aria-busy="true"]')
            .first()
            // Skeletons gone: the page shows what it loaded (a page still loading after 10 s fails).
            .waitFor({ state: 'detached', timeout: 10_000 });
          const failure = await page.getByText('This could not be loaded').count();
          expect(failure, `${path} shows a load failure`).toBe(0);
          expect(await page.getByRole('heading', { level: 1 }).count(), `${path} has one main heading`).toBe(
            1,
          );
          expect(await accessibilityViolations(person), `${path} as ${user}, ${colorScheme}`).toEqual([]);
        }
        expect(person.problems).toEqual([]);
        await keepScreenshot(page, `every-page-${user}-${colorScheme}`);
        await person.context.close();
      });
    }
  }
});
