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

const newPassword = 'plum orbit cascade 4417 lantern';

describe.skipIf(!chromiumAvailable())('console sign-in in Chromium', () => {
  let printed: string;
  const suite = consoleSuite('sign-in', {
    setup: async (server) => {
      printed = (await ensureFirstAdmin(server.custos)) as string;
      await addPerson(server.custos, 'erin', ['engineer'], 'Erin Engineer');
    },
  });
  let person: Person | undefined;

  it('serves the console with a nonce-bound CSP and no inline script', async () => {
    const response = await fetch(`${suite.server.baseUrl}/access/grants?selected=grt_x`, {
      headers: { accept: 'text/html' },
    });
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await response.text();
    expect(html).toContain(`nonce="${nonce}"`);
    expect(html).not.toContain('__CUSTOS_CSP_NONCE__');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const again = await fetch(`${suite.server.baseUrl}/`, { headers: { accept: 'text/html' } });
    expect(again.headers.get('content-security-policy')).not.toContain(nonce as string);
    // An API client's wrong path is still a JSON 404.
    const api = await fetch(`${suite.server.baseUrl}/v1/nowhere`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
  });

  it('makes the first admin replace the printed password, which then works no more', async () => {
    person = await suite.open();
    const { page } = person;
    await page.goto('/');
    await page.waitForURL(/\/sign-in/);
    await signInAs(person, 'admin', printed);
    await page.waitForURL(/\/password/);
    // The page's chunk loads after the URL changes (routes are lazy): wait for its heading.
    await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
    // The API refuses everything else until the password is changed.
    const refused = await page.request.get('/v1/users');
    expect(refused.status()).toBe(403);
    expect((await refused.json()).code).toBe('auth.password_change_required');
    await page.getByLabel(/^Printed password/).fill(printed);
    await page.getByLabel(/^New password(?! again)/).fill(newPassword);
    await page.getByLabel(/^New password again/).fill(newPassword);
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await accessibilityViolations(person)).toEqual([]);
    expect(person.problems).toEqual([]);

    // The printed password opened one session; it opens no second one.
    const again = await fetch(`${suite.server.baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: printed }),
    });
    expect(again.status).toBe(401);
  });

  it('returns to the page a person was on after their session ends', async () => {
    person = await suite.open();
    const { page } = person;
    await page.goto('/sign-in');
    expect(await accessibilityViolations(person)).toEqual([]);
    await signInAs(person, 'erin');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await person.context.clearCookies();
    await page.goto('/?from=test');
    await page.waitForURL(/\/sign-in\?next=/);
    await signInAs(person, 'erin');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(person.problems).toEqual([]);
  });

  it('signs out and refuses a next= that leaves the console', async () => {
    person = await suite.open();
    const { page } = person;
    await page.goto('/sign-in?next=//evil.example/steal');
    await signInAs(person, 'erin');
    expect(new URL(page.url()).origin).toBe(suite.server.baseUrl);
    await page.getByRole('button', { name: /Account menu/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    const session = await page.request.get('/v1/auth/session');
    expect(session.status()).toBe(401);
  });
});
