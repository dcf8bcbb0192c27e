import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckAnswer, checkAccess, serviceKey } from './support/access.js';
import {
  accessibilityViolations,
  addPerson,
  type ConsoleServer,
  chromiumAvailable,
  keepScreenshot,
  launchChromium,
  openPerson,
  type Person,
  signInAs,
  startConsoleServer,
} from './support/console.js';
import { alterProofsOnTheWay, openEntryByRecord, verifyInBrowser } from './support/ledger.js';

describe.skipIf(!chromiumAvailable())('console access flow in Chromium', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let key: string;
  const ids: Record<'eng' | 'mgr' | 'sec' | 'lead', string> = { eng: '', mgr: '', sec: '', lead: '' };
  /** The access checks this file made; their ledger records are what a ledger view can prove. */
  const checks: CheckAnswer[] = [];
  const people: Person[] = [];

  const open = async (username: string, colorScheme: 'light' | 'dark' = 'light') => {
    const person = await openPerson(browser, server.baseUrl, { colorScheme });
    // Fail on the step that waits, not on the test's own timeout.
    person.page.setDefaultTimeout(15_000);
    people.push(person);
    await signInAs(person, username);
    return person;
  };
  const expectClean = async (person: Person) => {
    expect(await accessibilityViolations(person)).toEqual([]);
    expect(person.problems).toEqual([]);
  };

  beforeAll(async () => {
    server = await startConsoleServer();
    const { custos } = server;
    ids.eng = (await addPerson(custos, 'erin', ['engineer'], 'Erin Engineer')).id;
    ids.mgr = (await addPerson(custos, 'mona', ['approver'], 'Mona Manager')).id;
    ids.sec = (await addPerson(custos, 'sam', ['analyst'], 'Sam Security')).id;
    ids.lead = (await addPerson(custos, 'lee', ['admin', 'analyst'], 'Lee Lead')).id;
    // Erin reports to Mona: Mona is her management chain; Sam is security, outside it.
    await custos.employees.put({
      userId: ids.eng,
      platformUserId: 'staff-1',
      managerId: ids.mgr,
      team: 'support',
    });
    await custos.employees.put({ userId: ids.mgr, platformUserId: 'staff-2', team: 'leads' });
    await custos.employees.put({ userId: ids.sec, platformUserId: 'staff-3', team: 'security' });
    await custos.employees.put({ userId: ids.lead, platformUserId: 'staff-4', team: 'security' });
    await custos.tickets.post(
      { id: 'SUP-1', title: 'No SMS', status: 'open', assigneeId: ids.eng, subjects: ['user-1'] },
      'test',
    );
    await custos.protectedSubjects.put('vip-1', 'journalist', 'test');
    key = await serviceKey(custos);
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const person of people) await person.context.close().catch(() => undefined);
    await browser?.close();
    await server?.dispose();
  });

  it('takes a tier 3 request through two approvers to a grant, and ends it by revoking', async () => {
    const erin = await open('erin');
    const { page } = erin;
    await page.goto('/access/request');
    await page.getByRole('heading', { name: 'Request access' }).waitFor();
    await page.getByRole('combobox', { name: /^Users/ }).fill('user-1');
    await page.keyboard.press('Enter');
    await page.getByRole('combobox', { name: /^Field classes/ }).click();
    await page.getByRole('option', { name: 'identity.phone (tier 3)' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('textbox', { name: /^Ticket/ }).fill('SUP-1');
    // The policy's answer, before anything is submitted.
    const answer = page.getByRole('region', { name: 'Policy’s answer' });
    await answer
      .getByText('Needs 2 approvals: one from security (analyst role), one from your management chain.')
      .waitFor();
    await expect(answer.getByText('Needs approval', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(
      answer.getByText('sensitive-needs-security-and-management').first().isVisible(),
    ).resolves.toBe(true);
    await expectClean(erin);
    await page
      .getByRole('textbox', { name: /^Justification/ })
      .fill('User cannot receive the SMS code; checking the number.');
    await page.getByRole('button', { name: 'Submit request' }).click();
    await page.waitForURL(/\/access\/requests\?.*selected=req_/);
    const requestId = new URL(page.url()).searchParams.get('selected') as string;
    await page.getByRole('region', { name: 'Request' }).getByText('Pending', { exact: true }).waitFor();

    // Before any approval, the check denies.
    checks.push(
      await checkAccess(server.baseUrl, key, {
        actor: ids.eng,
        subject: 'user-1',
        fields: ['identity.phone'],
        operation: 'read',
      }),
    );
    expect(checks.at(-1)?.decision).toBe('deny');

    // Mona (management chain), then Sam (security, in the dark theme), each in their own browser.
    for (const [username, scheme, done] of [
      ['mona', 'light', /still waits for another approver/],
      ['sam', 'dark', /grant grt_\w+ is in force/],
    ] as const) {
      const approver = await open(username, scheme);
      await approver.page.goto(`/access/approvals?selected=${requestId}`);
      const panel = approver.page.getByRole('region', { name: 'Decide on request' });
      await panel.getByText('User cannot receive the SMS code; checking the number.').waitFor();
      await expectClean(approver);
      await panel
        .getByRole('textbox', { name: /^Reason for your decision/ })
        .fill('Ticket checked; scope is narrow.');
      await panel.getByRole('button', { name: 'Approve' }).click();
      await approver.page.getByText(done).waitFor();
      await keepScreenshot(approver.page, `access-approved-by-${username}`);
      expect(approver.problems).toEqual([]);
    }

    await page.goto('/access/grants');
    const row = page.getByRole('row', { name: /^Grant grt_\w+, active$/ });
    await row.waitFor();
    await expectClean(erin);
    checks.push(
      await checkAccess(server.baseUrl, key, {
        actor: ids.eng,
        subject: 'user-1',
        fields: ['identity.phone'],
        operation: 'read',
      }),
    );
    expect(checks.at(-1)).toMatchObject({ decision: 'permit', grantId: expect.stringMatching(/^grt_/) });

    await row.click();
    const grantPanel = page.getByRole('region', { name: 'Grant' });
    await grantPanel
      .getByRole('textbox', { name: /^Reason for revoking/ })
      .fill('Work on the ticket is done.');
    await grantPanel.getByRole('button', { name: 'Revoke grant' }).click();
    await page
      .getByRole('dialog', { name: 'Revoke this grant?' })
      .getByRole('button', { name: 'Revoke grant' })
      .click();
    await page.getByText(/is revoked; the next access check is denied/).waitFor();
    await grantPanel.getByText('Not in this list').waitFor();
    checks.push(
      await checkAccess(server.baseUrl, key, {
        actor: ids.eng,
        subject: 'user-1',
        fields: ['identity.phone'],
        operation: 'read',
      }),
    );
    expect(checks.at(-1)?.decision).toBe('deny');
    // Each check is a ledger record of its own.
    expect(new Set(checks.map((c) => c.checkId)).size).toBe(3);
    expect(checks.every((c) => Number.isInteger(c.ledgerIndex))).toBe(true);
    await keepScreenshot(page, 'access-revoked');
    expect(erin.problems).toEqual([]);
  }, 180_000);

  it('proves the permitted check in the browser on the ledger page, and fails an altered proof', async () => {
    const permitted = checks.find((check) => check.decision === 'permit');
    expect(permitted).toBeDefined();
    const { checkId, ledgerIndex } = permitted as CheckAnswer;
    await server.custos.ledger.awaitIntegration(ledgerIndex);
    // Lee (admin) may read ledger records; the log key is the one the server printed at start.
    const lee = await open('lee');
    await openEntryByRecord(lee.page, {
      vkey: server.custos.ledger.vkey,
      recordId: checkId,
      index: ledgerIndex,
    });
    await lee.page.getByText(checkId).first().waitFor();
    const good = await verifyInBrowser(lee.page);
    expect(good.verified, good.text).toBe(true);
    expect(good.text).toMatch(/WebCrypto/);
    await expectClean(lee);

    await alterProofsOnTheWay(lee.page);
    const bad = await verifyInBrowser(lee.page);
    expect(bad.verified).toBe(false);
    expect(bad.text).toMatch(/Computed: [0-9a-f]{64}/);
    expect(bad.text).toMatch(/Expected: [0-9a-f]{64}/);
    expect(await lee.page.getByText('Verified in this browser').count()).toBe(0);
    await keepScreenshot(lee.page, 'access-check-proof-altered');
    await expectClean(lee);
  }, 120_000);

  it('draws a review campaign and the protected list accessibly in the light and the dark theme', async () => {
    const { custos } = server;
    const campaign = await custos.accessReviews.create(
      { name: 'Quarterly review', durationMs: 14 * 86_400_000, includeRoles: true, reviewers: [ids.lead] },
      { id: ids.lead, roles: ['admin', 'analyst'] },
    );
    for (const scheme of ['light', 'dark'] as const) {
      const lee = await open('lee', scheme);
      // The pages in the navigation are scanned by every-page.test.ts; a campaign's own page is not
      // in the navigation.
      const pages: [string, string][] = [[`/access/reviews/${campaign.campaign.id}`, 'Quarterly review']];
      for (const [path, heading] of pages) {
        await lee.page.goto(path);
        await lee.page.getByRole('heading', { level: 1, name: heading }).waitFor();
        // Wait for the lists to settle: axe should judge the page, not its skeleton.
        await lee.page.locator('[aria-busy="true"]').first().waitFor({ state: 'detached' });
        const violations = await accessibilityViolations(lee);
        expect(violations, `${path} in ${scheme}`).toEqual([]);
      }
      // The protected list names users in its rows, never in the address.
      await lee.page.goto('/access/protected');
      await lee.page.getByRole('row', { name: /vip-1/ }).click();
      expect(lee.page.url()).not.toContain('vip-1');
      await lee.page.getByRole('region', { name: 'Protected subject' }).getByText('Journalist').waitFor();
      await keepScreenshot(lee.page, `access-pages-${scheme}`);
      expect(lee.problems).toEqual([]);
    }
  }, 180_000);

  it('refuses an engineer the approvals inbox by URL', async () => {
    const erin = await open('erin');
    await erin.page.goto('/access/approvals');
    await erin.page.getByRole('heading', { name: 'Not permitted' }).waitFor();
    await expect(erin.page.getByRole('link', { name: 'Approvals' }).count()).resolves.toBe(0);
    await keepScreenshot(erin.page, 'access-engineer-refused');
    expect(erin.problems).toEqual([]);
  });
});
