import { describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  addPerson,
  chromiumAvailable,
  consoleSuite,
  type Person,
  phone,
  signInAs,
} from './support/console.js';

describe.skipIf(!chromiumAvailable())('the console shell in Chromium', () => {
  const suite = consoleSuite('shell', {
    setup: async (server) => {
      await addPerson(server.custos, 'erin', ['engineer'], 'Erin Engineer');
    },
  });
  let person: Person | undefined;

  it('has an accessibility scan that finds what it should', async () => {
    // The scan every console test relies on, shown a page with known faults: an image without a
    // text alternative and a link without a name.
    person = await suite.open();
    await person.page.goto('/sign-in');
    await person.page.evaluate(() => {
      const body = (
        globalThis as unknown as {
          document: { body: { insertAdjacentHTML(at: string, html: string): void } };
        }
      ).document.body;
      body.insertAdjacentHTML('beforeend', '<img src="/favicon.svg"><a href="/"></a>');
    });
    const found = await accessibilityViolations(person);
    expect(found.map((line) => line.split(':')[0])).toEqual(
      expect.arrayContaining(['critical image-alt', 'serious link-name']),
    );
  });

  it('is usable from the keyboard: shortcuts help, Ctrl-K, and the theme switch', async () => {
    person = await suite.open();
    const { page } = person;
    await signInAs(person, 'erin');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    await page.keyboard.press('Shift+Slash');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    expect(await accessibilityViolations(person)).toEqual([]);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    await page.keyboard.press('Control+k');
    const palette = page.getByRole('dialog', { name: 'Go to a page' });
    await palette.waitFor();
    await page.keyboard.type('overv');
    // The list filters as one types; wait for it rather than read it mid-way.
    await expect.poll(() => palette.getByRole('option').allTextContents()).toEqual(['Overview']);
    await page.keyboard.press('Enter');
    await palette.waitFor({ state: 'hidden' });

    const scheme = () => page.locator('html').getAttribute('data-mantine-color-scheme');
    const before = await scheme();
    await page.getByRole('button', { name: /Switch to the (dark|light) theme/ }).click();
    expect(await scheme()).not.toBe(before);
    expect(await accessibilityViolations(person)).toEqual([]);
    expect(person.problems).toEqual([]);
  });

  it('folds the navigation behind a menu button at phone width', async () => {
    person = await suite.open({ viewport: phone, colorScheme: 'dark' });
    const { page } = person;
    await signInAs(person, 'erin');
    const overviewLink = page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', {
      name: 'Overview',
    });
    // Folded away: off screen, and out of the keyboard's reach.
    expect(await overviewLink.evaluate((link) => link.getBoundingClientRect().right <= 0)).toBe(true);
    expect(
      await page.getByRole('navigation', { name: 'Main navigation' }).getAttribute('inert'),
    ).not.toBeNull();
    await page.getByRole('button', { name: 'Toggle navigation' }).click();
    await overviewLink.waitFor({ state: 'visible' });
    expect(await accessibilityViolations(person)).toEqual([]);
    expect(person.problems).toEqual([]);
  });

  it('shows a failure in place of the page, with its code, request id and Retry', async () => {
    person = await suite.open();
    const { page } = person;
    await signInAs(person, 'erin');
    // The server is made to fail once on the way, as a proxy or an outage would.
    await page.route('**/v1/auth/session', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({
          code: 'store.unavailable',
          message: 'The store cannot be reached.',
          requestId: 'rid_test_1',
        }),
      }),
    );
    await page.reload();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The store cannot be reached.');
    expect(await alert.textContent()).toContain('store.unavailable');
    expect(await alert.textContent()).toContain('rid_test_1');
    expect(await accessibilityViolations(person)).toEqual([]);
    await page.unroute('**/v1/auth/session');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });
});
