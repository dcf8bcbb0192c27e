import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ConsoleServer,
  laptop,
  launchChromium,
  openPerson,
  phone,
  signInAs,
  startConsoleServer,
} from '../test/web/support/console.js';
import { type Seeded, seedPlatform } from '../test/web/support/seed.js';

const out = join(import.meta.dirname, '../docs/screenshots');

interface Shot {
  name: string;
  path: (seeded: Seeded) => string;
  user: keyof Seeded['users'];
  /** Waits for this text before the picture, so no skeleton is photographed. */
  ready: string;
  phone?: boolean;
}

/** Every page of the console, as the role that uses it sees it. */
const shots: Shot[] = [{ name: 'overview', path: () => '/', user: 'dana', ready: 'Overview', phone: true }];

let server: ConsoleServer;
let browser: Browser;
let seeded: Seeded;

beforeAll(async () => {
  server = await startConsoleServer();
  seeded = await seedPlatform(server.custos, server.baseUrl);
  browser = await launchChromium();
  mkdirSync(out, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

it('photographs the sign-in page', async () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    const person = await openPerson(browser, server.baseUrl, { colorScheme });
    await person.page.goto('/sign-in');
    await person.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await person.page.screenshot({ path: join(out, `sign-in-${colorScheme}.png`) });
    await person.context.close();
  }
});

it('photographs every page in light and dark at laptop width, and some at phone width', async () => {
  for (const shot of shots) {
    const variants = [
      { colorScheme: 'light' as const, viewport: laptop, suffix: 'light' },
      { colorScheme: 'dark' as const, viewport: laptop, suffix: 'dark' },
      ...(shot.phone ? [{ colorScheme: 'light' as const, viewport: phone, suffix: 'phone' }] : []),
    ];
    for (const variant of variants) {
      const person = await openPerson(browser, server.baseUrl, variant);
      await signInAs(person, seeded.users[shot.user].username);
      await person.page.goto(shot.path(seeded));
      await person.page.getByText(shot.ready, { exact: false }).first().waitFor();
      await person.page.waitForLoadState('networkidle');
      await person.page.screenshot({
        path: join(out, `${shot.name}-${variant.suffix}.png`),
        fullPage: false,
      });
      expect(person.problems).toEqual([]);
      await person.context.close();
    }
  }
});
