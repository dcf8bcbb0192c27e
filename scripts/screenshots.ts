import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
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
  /** What a person does on the page before it is photographed. */
  act?: (page: Page, seeded: Seeded) => Promise<void>;
}

/** Every page of the console, as the role that uses it sees it. */
const shots: Shot[] = [
  { name: 'overview', path: () => '/', user: 'dana', ready: 'Overview', phone: true },
  { name: 'access-request', path: () => '/access/request', user: 'erin', ready: 'Request access' },
  { name: 'access-requests', path: () => '/access/requests', user: 'erin', ready: 'Requests' },
  {
    name: 'access-approvals',
    path: (s) => `/access/approvals?selected=${s.pendingRequestId}`,
    user: 'sam',
    ready: 'Approvals',
    phone: true,
  },
  {
    name: 'access-grants',
    path: (s) => `/access/grants?scope=all&selected=${s.grantId}`,
    user: 'sam',
    ready: 'Grants',
  },
  { name: 'access-break-glass', path: () => '/access/break-glass', user: 'sam', ready: 'Break-glass' },
  { name: 'access-reviews', path: () => '/access/reviews', user: 'dana', ready: 'Access reviews' },
  {
    name: 'access-review',
    path: (s) => `/access/reviews/${s.campaignId}`,
    user: 'sam',
    ready: 'Quarterly access review',
  },
  { name: 'access-tickets', path: () => '/access/tickets', user: 'sam', ready: 'Tickets' },
  { name: 'access-employees', path: () => '/access/employees', user: 'dana', ready: 'Employees' },
  { name: 'access-protected', path: () => '/access/protected', user: 'sam', ready: 'Protected subjects' },
  { name: 'ato-overview', path: () => '/ato', user: 'sam', ready: 'Takeover defence', phone: true },
  {
    name: 'ato-decisions',
    path: (s) =>
      `/ato/decisions?selected=${s.ato.assessed.find((a) => a.event.eventId === `${s.ato.account}-reg-2`)?.answer.id}`,
    user: 'sam',
    ready: 'Login decisions',
  },
  { name: 'ato-takeovers', path: () => '/ato/takeovers', user: 'aud', ready: 'Confirmed takeovers' },
  {
    name: 'ato-takeover',
    path: (s) => `/ato/takeovers/${s.ato.takeover.id}`,
    user: 'sam',
    ready: 'Takeover timeline',
    phone: true,
  },
  { name: 'ledger', path: () => '/ledger', user: 'aud', ready: 'Ledger' },
  {
    name: 'ledger-entry',
    path: (s) => `/entries/${s.lastCheck.ledgerIndex}`,
    user: 'aud',
    ready: 'Ledger entry',
    act: async (page) => {
      // The auditor pins the key the server printed, then checks the entry here.
      await page.goto('/ledger');
      await page.getByLabel('Log verifier key').fill(server.custos.ledger.vkey);
      await page.getByRole('button', { name: 'Pin key' }).click();
      await page.goBack();
      await page.getByRole('button', { name: 'Verify in this browser' }).click();
      await page.getByText('Verified in this browser').first().waitFor();
    },
  },
  { name: 'transparency', path: () => '/transparency', user: 'aud', ready: 'Transparency' },
  { name: 'admin-users', path: () => '/admin/users', user: 'dana', ready: 'Users and roles' },
  { name: 'admin-api-keys', path: () => '/admin/api-keys', user: 'dana', ready: 'API keys' },
  { name: 'admin-catalog', path: () => '/admin/catalog', user: 'dana', ready: 'Data catalog' },
  { name: 'admin-policies', path: () => '/admin/policies', user: 'dana', ready: 'Approval policies' },
];

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
      await person.page.getByRole('heading', { level: 1, name: shot.ready }).waitFor();
      await person.page.waitForLoadState('networkidle');
      // Skeletons gone, charts drawn: what a person sees once the page has loaded.
      await person.page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
      if (shot.act) await shot.act(person.page, seeded);
      await person.page.waitForTimeout(400);
      await person.page.screenshot({
        path: join(out, `${shot.name}-${variant.suffix}.png`),
        fullPage: false,
      });
      expect(person.problems).toEqual([]);
      await person.context.close();
    }
  }
});
