import { describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  addPerson,
  chromiumAvailable,
  consoleSuite,
  type Person,
  signInAs,
} from './support/console.js';

describe.skipIf(!chromiumAvailable())('console overview in Chromium', () => {
  let auditorId: string;
  const suite = consoleSuite('home', {
    setup: async (server) => {
      auditorId = (await addPerson(server.custos, 'audrey', ['auditor'], 'Audrey Auditor')).id;
    },
  });
  let person: Person | undefined;

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`shows the figures, then the charts, accessibly (${colorScheme})`, async () => {
      person = await suite.open({ colorScheme });
      const { page } = person;
      await page.goto('/');
      await signInAs(person, 'audrey');
      const standing = page.getByTestId('figure-standing');
      await standing.waitFor();
      expect(await standing.getAttribute('data-state')).toBe('calm');
      expect(await standing.textContent()).toContain('0');
      expect(await page.getByTestId('figure-ledger').textContent()).toMatch(/Ledger entries\d/);
      await page.getByText('Access checks per hour').waitFor();
      await page.getByText('Grants in force', { exact: true }).first().waitFor();
      expect(await accessibilityViolations(person)).toEqual([]);
      expect(person.problems).toEqual([]);
    });
  }

  it('turns the standing-access figure loud when a grant is written around Custos', async () => {
    person = await suite.open();
    const { page } = person;
    await page.goto('/sign-in');
    await signInAs(person, 'audrey');
    await page.goto('/?window=7d');
    await page.getByTestId('figure-standing').waitFor();
    const now = Date.now();
    await suite.server.custos.store.db
      .insertInto('access_grants')
      .values({
        id: 'grt_01M80AB0VDK2A2E9N1XT3BFQ6E',
        actor_id: auditorId,
        purpose: 'debugging',
        ticket_id: 'none',
        fields: '["identity.phone"]',
        operations: '["read"]',
        source: 'approval',
        starts_at: now - 1000,
        expires_at: now + 3_600_000,
        revoked_at: null,
        revoked_by: null,
        revoke_reason: null,
        created_at: now,
        request_id: null,
      })
      .execute();
    // The page refetches every 30 s; a reload shows it at once.
    await page.reload();
    const loud = page.locator('[data-testid="figure-standing"][data-state="loud"]');
    await loud.waitFor();
    expect(await loud.getAttribute('role')).toBe('alert');
    expect(await loud.textContent()).toContain('One person holds a grant');
    expect(new URL(page.url()).searchParams.get('window')).toBe('7d');
    expect(await accessibilityViolations(person)).toEqual([]);
    expect(person.problems).toEqual([]);
    await suite.server.custos.store.db
      .deleteFrom('access_grants')
      .where('id', '=', 'grt_01M80AB0VDK2A2E9N1XT3BFQ6E')
      .execute();
  });

  it('shows "—", never 0, when the figures cannot be read', async () => {
    person = await suite.open();
    const { page } = person;
    await page.goto('/sign-in');
    await signInAs(person, 'audrey');
    await page.getByTestId('figure-standing').waitFor();
    await page.route('**/v1/overview*', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({
          code: 'store.unavailable',
          message: 'The store is unavailable.',
          requestId: 'rid_test1234',
        }),
      }),
    );
    await page.reload();
    await page.getByText('The figures could not be loaded').waitFor();
    expect(await page.getByTestId('figure-pending').textContent()).toContain('—');
    expect(await page.getByTestId('figure-standing').textContent()).toContain('—');
    expect(await page.getByTestId('figure-standing').textContent()).not.toMatch(/\b0\b/);
    expect(await accessibilityViolations(person)).toEqual([]);
  });
});
