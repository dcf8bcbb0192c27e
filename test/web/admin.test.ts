import { describe, expect, it } from 'vitest';
import { ensureFirstAdmin } from '../../src/cli/serve.js';
import {
  accessibilityViolations,
  addPerson,
  chromiumAvailable,
  consoleSuite,
  type Person,
  signInAs,
} from './support/console.js';

const newPassword = 'quartz meadow 2291 lantern ferry';
const adminPages = [
  { path: '/admin/users', heading: 'Users and roles' },
  { path: '/admin/api-keys', heading: 'API keys' },
  { path: '/admin/catalog', heading: 'Data catalog' },
  { path: '/admin/policies', heading: 'Approval policies' },
];

describe.skipIf(!chromiumAvailable())('console admin pages in Chromium', () => {
  let printed: string;
  const suite = consoleSuite('admin', {
    setup: async (server) => {
      printed = (await ensureFirstAdmin(server.custos)) as string;
      await addPerson(server.custos, 'root', ['admin'], 'Rosa Root');
      await addPerson(server.custos, 'erin', ['engineer'], 'Erin Engineer');
    },
  });
  let person: Person | undefined;

  // Two password hashes, a key and a policy check in one browser: longer than the default timeout.
  it('lets the first admin replace the printed password, create a key shown once, and refuses a broken policy at its line', async () => {
    person = await suite.open();
    const { page } = person;
    await page.goto('/admin/api-keys');
    await page.waitForURL(/\/sign-in\?next=/);
    await signInAs(person, 'admin', printed);
    await page.waitForURL(/\/password/);
    await page.getByLabel(/^Printed password/).fill(printed);
    await page.getByLabel(/^New password(?! again)/).fill(newPassword);
    await page.getByLabel(/^New password again/).fill(newPassword);
    await page.getByRole('button', { name: 'Save password' }).click();
    // Back where they were headed.
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'New API key' }).click();
    await page.getByLabel('Name').fill('support-desk');
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your new API key' });
    await dialog.waitFor();
    const token = ((await dialog.locator('[data-secret]').textContent()) ?? '').trim();
    expect(token.length).toBeGreaterThan(20);
    expect(await accessibilityViolations(person)).toEqual([]);
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await dialog.waitFor({ state: 'detached' });
    // The key is listed, and its secret is nowhere on the page any more.
    await page
      .getByRole('row', { name: /support-desk/ })
      .first()
      .waitFor();
    expect(await page.content()).not.toContain(token);
    expect(await page.locator('body').textContent()).not.toContain(token);

    await page.goto('/admin/policies?file=grant');
    const editor = page.getByRole('textbox', { name: 'grant.cedar' });
    await editor.waitFor();
    const original = await editor.inputValue();
    const broken = original.replace('context.approvals >= 1', 'context.aprovals >= 1');
    const line = broken.split('\n').findIndex((l) => l.includes('aprovals')) + 1;
    await editor.fill(broken);
    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByRole('button', { name: `Line ${line}` }).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The policies do not validate; nothing was saved.').waitFor();
    await expect(page.getByRole('alert').filter({ hasText: 'aprovals' }).first().isVisible()).resolves.toBe(
      true,
    );
    expect(await page.locator(`[data-line="${line}"][data-problem]`).count()).toBe(1);
    expect(await accessibilityViolations(person)).toEqual([]);
    // The server kept the shipped policy.
    const files = await page.request.get('/v1/access/policies/files');
    const grant = (await files.json()).files.find((f: { name: string }) => f.name === 'grant');
    expect(grant).toMatchObject({ version: 0, text: original });
    expect(person.problems).toEqual([]);
  }, 90_000);

  it('shows an engineer no admin pages, and refuses each admin address and API call', async () => {
    person = await suite.open();
    const { page } = person;
    await signInAs(person, 'erin');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await expect(nav.getByText('Admin', { exact: true }).count()).resolves.toBe(0);
    for (const { heading } of adminPages) {
      await expect(nav.getByRole('link', { name: heading }).count()).resolves.toBe(0);
    }
    for (const { path } of adminPages) {
      await page.goto(path);
      await page.getByRole('heading', { name: 'Not permitted' }).waitFor();
      expect(await accessibilityViolations(person)).toEqual([]);
    }
    const csrf = (await person.context.cookies()).find((c) => c.name === 'custos_csrf')?.value ?? '';
    const headers = { 'x-csrf-token': csrf };
    expect((await page.request.get('/v1/users')).status()).toBe(403);
    expect((await page.request.get('/v1/apikeys')).status()).toBe(403);
    expect(
      (
        await page.request.post('/v1/apikeys', { headers, data: { name: 'mine', roles: ['admin'] } })
      ).status(),
    ).toBe(403);
    expect(
      (
        await page.request.post('/v1/access/policies/validate', {
          headers,
          data: { name: 'grant', text: '' },
        })
      ).status(),
    ).toBe(403);
    expect(
      (await page.request.put('/v1/access/policies/grant', { headers, data: { text: '' } })).status(),
    ).toBe(403);
    expect(person.problems).toEqual([]);
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious accessibility problem in the user panel and form in the ${colorScheme} theme`, async () => {
      person = await suite.open({ colorScheme });
      const { page } = person;
      await signInAs(person, 'root');
      // Each admin page as it opens is scanned by every-page.test.ts; here, what opens on it: a
      // record in the side panel, and the create form.
      await page.goto('/admin/users');
      await page.getByRole('row', { name: /Erin Engineer/ }).click();
      await page.getByRole('region', { name: 'Erin Engineer' }).getByLabel('Display name').waitFor();
      expect(await accessibilityViolations(person), 'user panel').toEqual([]);
      await page.getByRole('button', { name: 'New user' }).click();
      await page.getByRole('button', { name: 'Create user' }).waitFor();
      expect(await accessibilityViolations(person), 'new user panel').toEqual([]);
      expect(person.problems).toEqual([]);
    }, 60_000);
  }

  it('creates a user whose generated password is shown once, and changes their roles', async () => {
    person = await suite.open();
    const { page } = person;
    await signInAs(person, 'root');
    await page.goto('/admin/users?selected=new');
    await page.getByLabel('Username').fill('nora');
    await page.getByRole('checkbox', { name: /Approver/ }).check();
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Password for nora' });
    const password = ((await dialog.locator('[data-secret]').textContent()) ?? '').trim();
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(password);
    const panel = page.getByRole('region', { name: 'nora' });
    await panel.getByRole('checkbox', { name: /Auditor/ }).check();
    await panel.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('nora now has the roles engineer, approver, auditor.').waitFor();
    const nora = (await suite.server.custos.users.list()).find((u) => u.username === 'nora');
    expect(nora).toMatchObject({ roles: ['engineer', 'approver', 'auditor'], passwordChangeRequired: true });
    expect(person.problems).toEqual([]);
  });
});
