import { describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  addPerson,
  chromiumAvailable,
  consoleSuite,
  type Person,
  signInAs,
} from './support/console.js';
import { discoveryOverrides, recorded, type SeededDiscovery, seedDiscovery } from './support/discovery.js';

const labels: Record<string, string> = {
  allow: 'Allowed',
  partial: 'Partly answered',
  shadow: 'Shadowed',
  throttle: 'Throttled',
  block: 'Blocked',
};

/** Reasons as the panel lists them: most points first, those without points last. */
const byPoints = <R extends { code: string; contribution?: number }>(reasons: R[]) =>
  [...reasons].sort(
    (a, b) => (b.contribution ?? -1) - (a.contribution ?? -1) || a.code.localeCompare(b.code),
  );

// The seeded pages are scanned with axe-core in both themes by every-page.test.ts; here only the
// states it never reaches are: a decision's panel, a failed read and a server with nothing yet.
describe.skipIf(!chromiumAvailable())('console contact discovery in Chromium', () => {
  let seeded: SeededDiscovery;
  const suite = consoleSuite('discovery', {
    overrides: discoveryOverrides,
    setup: async (server) => {
      await addPerson(server.custos, 'sam', ['analyst'], 'Sam Security');
      await addPerson(server.custos, 'aud', ['auditor'], 'Avery Auditor');
      await addPerson(server.custos, 'erin', ['engineer'], 'Erin Engineer');
      seeded = await seedDiscovery(server.custos);
    },
  });

  async function signedIn(username = 'sam'): Promise<Person> {
    const person = await suite.open();
    person.page.setDefaultTimeout(15_000);
    await signInAs(person, username);
    return person;
  }

  it('seeds allowed books, a shadowed sweeper, a fleet and canary hits', () => {
    const decisions = new Set(seeded.checks.map((c) => c.decided.decision));
    expect(decisions).toContain('allow');
    expect(decisions).toContain('shadow');
    const sweeps = seeded.checks.filter((c) => c.request.account === seeded.sweeper);
    expect(sweeps.every((c) => c.decided.decision === 'shadow')).toBe(true);
    expect(suite.server.custos.discoveryFleets.flagged().length).toBeGreaterThan(0);
    const canaries = seeded.checks.reduce((sum, c) => sum + c.decided.canaries.length, 0);
    expect(canaries).toBeGreaterThan(0);
  });

  it('shows the overview’s figures and charts', async () => {
    const person = await signedIn();
    const { page } = person;
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByText('Contact discovery', { exact: true }).waitFor();
    await nav.getByRole('link', { name: 'Discovery overview' }).click();
    await page.waitForURL(/\/discovery$/);
    await page.getByRole('heading', { level: 1, name: 'Contact discovery' }).waitFor();
    const total = seeded.checks.length;
    const notAllowed = recorded(seeded).length;
    await page.getByTestId('figure-checks').getByText(String(total), { exact: true }).waitFor();
    const share = `${Math.round((notAllowed / total) * 1000) / 10}%`;
    expect(await page.getByTestId('figure-not-allowed').textContent()).toContain(share);
    const fleets = suite.server.custos.discoveryFleets.flagged().length;
    expect(await page.getByTestId('figure-fleets').textContent()).toMatch(
      new RegExp(`Flagged fleets${fleets}`),
    );
    // The charts' gist in words: each decision's count over the span.
    const count = (d: string) => seeded.checks.filter((c) => c.decided.decision === d).length;
    await page.getByText('Checks per hour').waitFor();
    await page
      .getByText(
        `${count('allow')} allowed, ${count('partial')} partly answered, ${count('shadow')} shadowed, ${count(
          'throttle',
        )} throttled, ${count('block')} blocked over the last 24 hours.`,
      )
      .waitFor();
    await page.getByText(/enumeration\.sweep: \d+/).waitFor();
    await page.locator('.recharts-surface').first().waitFor();
    expect(person.problems).toEqual([]);
  });

  it('lists the top offenders and opens an account’s decisions, pages and reasons', {
    timeout: 60_000,
  }, async () => {
    const person = await signedIn('aud');
    const { page } = person;
    await page.goto('/discovery/offenders');
    await page.getByRole('heading', { level: 1, name: 'Top offenders' }).waitFor();
    const table = page.getByRole('table', { name: 'Accounts with checks not allowed, worst first' });
    const offenders = new Set(recorded(seeded).map((c) => c.request.account));
    await table.getByRole('row').nth(offenders.size).waitFor();
    expect(await table.getByRole('row').count()).toBe(offenders.size + 1);
    // Worst score first: the canary walker (canaries and a sweep), then the sweeper.
    const firstRow = await table.getByRole('row').nth(1).textContent();
    expect(firstRow).toContain(seeded.canarySweeper);
    expect(firstRow).toContain('Throttled');
    expect(await table.getByRole('row').nth(2).textContent()).toContain(seeded.sweeper);

    // The account's link opens its decisions; the account stays out of the address.
    await table.getByRole('link', { name: `Decisions of ${seeded.sweeper}` }).click();
    await page.waitForURL(/\/discovery\/decisions$/);
    expect(page.url()).not.toContain(seeded.sweeper);
    const sweeps = recorded(seeded).filter((c) => c.request.account === seeded.sweeper);
    await page.getByText(`${sweeps.length} decisions for ${seeded.sweeper}, newest first.`).waitFor();
    expect(await page.getByRole('textbox', { name: 'Account' }).inputValue()).toBe(seeded.sweeper);
    const decisions = page.getByRole('table', { name: 'Discovery decisions, newest first' });
    expect(await decisions.getByRole('row').count()).toBe(sweeps.length + 1);

    // The oldest sweep, the big one, has both the sweep and the ascending order as reasons.
    const first = sweeps[0];
    if (!first) throw new Error('the sweeper was never recorded');
    await decisions.getByRole('row').last().click();
    await page.waitForURL(new RegExp(`selected=${first.decided.id}`));
    const panel = page.getByRole('region', { name: 'Decision' });
    const reasons = panel.getByRole('list', { name: 'Reasons, most points first' });
    await reasons.waitFor();
    await panel
      .getByText(labels[first.decided.decision] as string, { exact: true })
      .first()
      .waitFor();
    const shown = await reasons
      .locator('li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-code')));
    expect(shown).toEqual(byPoints(first.decided.reasons).map((r) => r.code));
    expect(shown).toEqual(['enumeration.sweep', 'enumeration.sorted']);
    for (const reason of first.decided.reasons) {
      await reasons.getByText(reason.message, { exact: true }).waitFor();
      await reasons.getByText(`Added+${reason.contribution} points`).waitFor();
    }
    const counts = panel.getByRole('table', { name: 'Counts' });
    expect(await counts.getByRole('row', { name: /Numbers asked/ }).textContent()).toContain(
      String(first.decided.counts.numbers),
    );
    expect(await counts.getByRole('row', { name: /New to the account/ }).textContent()).toContain(
      String(first.decided.counts.new),
    );
    await panel.getByText(`discovery.decision/${first.decided.id}`).waitFor();
    // A reload keeps the panel and the linked account (history state, not the address).
    await page.reload();
    await reasons.waitFor();
    await page.getByText(`${sweeps.length} decisions for ${seeded.sweeper}, newest first.`).waitFor();
    await page.mouse.move(900, 800);
    expect(await accessibilityViolations(person)).toEqual([]);

    // All decisions, a page of 50 at a time through the server's cursor.
    await page.getByRole('textbox', { name: 'Account' }).fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    const all = recorded(seeded).length;
    expect(all).toBeGreaterThan(50);
    await page.getByText('50 decisions, newest first.').waitFor();
    await page.getByRole('button', { name: 'Older' }).click();
    await page.getByText(`${Math.min(50, all - 50)} decisions on page 2, newest first.`).waitFor();
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.getByText('50 decisions, newest first.').waitFor();

    // By decision: the one throttle.
    await page.getByRole('combobox', { name: 'Decision' }).click();
    await page.getByRole('option', { name: 'Throttled' }).click();
    await page.getByRole('button', { name: 'Search' }).click();
    const throttled = recorded(seeded).filter((c) => c.decided.decision === 'throttle');
    await page
      .getByText(
        `${throttled.length === 1 ? 'One decision' : `${throttled.length} decisions`}, newest first.`,
      )
      .waitFor();
    expect(await decisions.textContent()).toContain(seeded.canarySweeper);
    // An account with nothing recorded offers to clear the search.
    await page.getByRole('textbox', { name: 'Account' }).fill(seeded.people[0] as string);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No decision matches').waitFor();
    await page.getByRole('button', { name: 'Show all decisions' }).click();
    await page.getByText('50 decisions, newest first.').waitFor();
    expect(person.problems).toEqual([]);
  });

  it('shows the flagged fleet with its size, score, reasons and accounts', async () => {
    const person = await signedIn();
    const { page } = person;
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('link', { name: 'Fleets' })
      .click();
    await page.waitForURL(/\/discovery\/fleets$/);
    const [fleet] = suite.server.custos.discoveryFleets.flagged();
    if (!fleet) throw new Error('no fleet was flagged');
    const card = page.getByRole('region', { name: `${fleet.accounts.length} accounts acting as one` });
    await card.waitFor();
    await card.getByText(labels[fleet.judgement.verdict] as string, { exact: true }).waitFor();
    expect(await card.textContent()).toContain(`Score ${fleet.judgement.score}`);
    const reasons = card.getByRole('list', { name: 'Reasons, most points first' });
    const shown = await reasons
      .locator('li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-code')));
    expect(shown).toEqual(byPoints(fleet.judgement.reasons).map((r) => r.code));
    for (const reason of fleet.judgement.reasons)
      await reasons.getByText(reason.message, { exact: true }).waitFor();
    await card.getByRole('rowheader', { name: 'Linked since' }).waitFor();
    const accounts = card.getByRole('list', { name: 'Accounts of the fleet' });
    expect(await accounts.getByRole('listitem').count()).toBe(12);
    await card.getByText(`and ${fleet.accounts.length - 12} more.`).waitFor();
    // A member opens its own decisions.
    const member = fleet.accounts[0] as string;
    await accounts.getByRole('link', { name: `Decisions of ${member}` }).click();
    await page.waitForURL(/\/discovery\/decisions$/);
    const memberDecisions = recorded(seeded).filter((c) => c.request.account === member).length;
    await page.getByText(`${memberDecisions} decisions for ${member}, newest first.`).waitFor();
    expect(person.problems).toEqual([]);
  });

  it('lists the canary hits, and where to attribute a dump', async () => {
    const person = await signedIn();
    const { page } = person;
    await page.goto('/discovery/canaries');
    await page.getByRole('heading', { level: 1, name: 'Canary hits' }).waitFor();
    await page.getByText('custos discovery attribute --dump FILE --save').waitFor();
    await page.getByRole('link', { name: 'Leak attribution' }).last().waitFor();
    const hits = seeded.checks.flatMap((c) =>
      c.decided.canaries.map((i) => ({ number: c.request.numbers[i], c })),
    );
    const table = page.getByRole('table', { name: 'Canary numbers answered registered, newest first' });
    await table.getByRole('row').nth(hits.length).waitFor();
    expect(await table.getByRole('row').count()).toBe(hits.length + 1);
    const text = await table.textContent();
    for (const hit of hits) {
      expect(hit.number?.startsWith('+447700900')).toBe(true);
      expect(text).toContain(hit.number);
      expect(hit.c.request.account).toBe(seeded.canarySweeper);
    }
    const first = table.getByRole('row').nth(1);
    expect(await first.textContent()).toContain(seeded.canarySweeper);
    expect(await first.textContent()).toContain('The account’s own set');
    expect(person.problems).toEqual([]);
  });

  it('traces an uploaded dump to the account shown its canaries, and keeps the report', {
    timeout: 60_000,
  }, async () => {
    const person = await signedIn();
    const { page } = person;
    const shown = seeded.checks.flatMap((c) => c.decided.canaries.map((i) => c.request.numbers[i] as string));
    expect(shown.length).toBeGreaterThan(0);
    const dump = [
      'number,source',
      ...shown.map((n) => `${n},scraped`),
      '+14155550123,scraped',
      'not a number',
    ];
    await page.goto('/discovery/attributions');
    await page.getByRole('heading', { level: 1, name: 'Leak attribution' }).waitFor();
    await page.getByText('No dump traced yet').waitFor();
    const form = page.getByRole('form', { name: 'Trace a leaked dump' });
    // Mantine's FileInput keeps a hidden file input behind its button.
    await form.locator('input[type=file]').setInputFiles({
      name: 'forum-dump.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(dump.join('\n')),
    });
    await form.getByText('forum-dump.csv').waitFor();
    await form.getByRole('button', { name: 'Trace' }).click();
    const panel = page.getByRole('region', { name: 'Attribution report' });
    await panel.getByText('forum-dump.csv', { exact: false }).first().waitFor();
    const suspects = panel.getByRole('table', { name: /Suspects/ });
    await suspects.waitFor();
    const firstSuspect = await suspects.getByRole('row').nth(1).textContent();
    expect(firstSuspect).toContain(seeded.canarySweeper);
    expect(firstSuspect).toContain(String(new Set(shown).size));
    expect(firstSuspect).toContain('100.0 %');
    expect(await panel.textContent()).toContain(`${dump.length} lines`);
    expect(page.url()).toMatch(/selected=dat_/);
    // Listed, and on the ledger.
    const list = page.getByRole('table', { name: 'Attribution reports, newest first' });
    await list.getByText('forum-dump.csv').waitFor();
    const id = new URL(page.url()).searchParams.get('selected') as string;
    expect(await suite.server.custos.ledger.record('discovery.attribution', id)).toBeDefined();
    expect(await accessibilityViolations(person)).toEqual([]);
    // After a reload, the report is read back from the ledger.
    await page.reload();
    await panel
      .getByRole('table', { name: /Suspects/ })
      .getByText(seeded.canarySweeper)
      .waitFor();
    expect(person.problems).toEqual([]);

    // An auditor reads the reports but is offered no upload.
    const auditor = await signedIn('aud');
    await auditor.page.goto('/discovery/attributions');
    await auditor.page
      .getByRole('table', { name: 'Attribution reports, newest first' })
      .getByText('forum-dump.csv')
      .waitFor();
    expect(await auditor.page.getByRole('form', { name: 'Trace a leaked dump' }).count()).toBe(0);
    expect(auditor.problems).toEqual([]);
  });

  it('shows "—" and Retry when the summary fails', async () => {
    const person = await signedIn();
    const { page } = person;
    await page.route('**/v1/discovery/summary?*', (route) =>
      route.fulfill({
        status: 500,
        json: {
          code: 'internal',
          message: 'Something failed on the server.',
          requestId: 'rid_forced_failure',
        },
      }),
    );
    await page.goto('/discovery');
    await page.getByText('The figures could not be loaded').waitFor();
    await page.getByText('rid_forced_failure').waitFor();
    for (const id of ['checks', 'not-allowed', 'fleets']) {
      expect(await page.getByTestId(`figure-${id}`).textContent()).toContain('—');
    }
    await page.getByText('The charts need the figures above.').waitFor();
    expect(await accessibilityViolations(person)).toEqual([]);
    await page.unroute('**/v1/discovery/summary?*');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page
      .getByTestId('figure-checks')
      .getByText(String(seeded.checks.length), { exact: true })
      .waitFor();
    expect(await page.getByText('The figures could not be loaded').count()).toBe(0);
    expect(person.problems.filter((p) => !p.includes('status of 500'))).toEqual([]);
  });

  it('shows an engineer no discovery pages, and refuses each address and API call', async () => {
    const person = await signedIn('erin');
    const { page } = person;
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link').first().waitFor();
    expect(await nav.getByText('Contact discovery', { exact: true }).count()).toBe(0);
    expect(
      await nav.getByRole('link', { name: /discovery|offenders|fleets|canary|attribution/i }).count(),
    ).toBe(0);
    const id = recorded(seeded)[0]?.decided.id;
    for (const path of [
      '/discovery',
      '/discovery/offenders',
      `/discovery/decisions?selected=${id}`,
      '/discovery/fleets',
      '/discovery/canaries',
      '/discovery/attributions',
    ]) {
      await page.goto(path);
      await page.getByRole('heading', { name: 'Not permitted' }).waitFor();
      expect(await page.getByText('discovery.read').count()).toBe(1);
    }
    const csrf = (await person.context.cookies()).find((c) => c.name === 'custos_csrf')?.value ?? '';
    for (const path of [
      '/v1/discovery/summary?from=0&to=3600000',
      '/v1/discovery/fleets',
      `/v1/discovery/decisions/${id}`,
      '/v1/discovery/attributions',
    ])
      expect((await page.request.get(path)).status()).toBe(403);
    const search = await page.request.post('/v1/discovery/decisions/search', {
      headers: { 'x-csrf-token': csrf },
      data: { account: seeded.sweeper },
    });
    expect(search.status()).toBe(403);
    expect(person.problems).toEqual([]);
  });
});

describe.skipIf(!chromiumAvailable())('console contact discovery with nothing checked yet', () => {
  const suite = consoleSuite('discovery-empty', {
    setup: async (server) => {
      await addPerson(server.custos, 'sam', ['analyst'], 'Sam Security');
    },
  });

  it('says there is nothing yet on every page, and never draws a failure', { timeout: 60_000 }, async () => {
    const person = await suite.open();
    const { page } = person;
    page.setDefaultTimeout(15_000);
    await signInAs(person, 'sam');
    await page.goto('/discovery');
    await page.getByTestId('figure-checks').getByText('0', { exact: true }).waitFor();
    // No check: the share is unknown, not 0 %.
    expect(await page.getByTestId('figure-not-allowed').textContent()).toContain('—');
    await page.getByText('Every check was allowed over the last 24 hours.').waitFor();
    for (const [path, empty] of [
      ['/discovery/offenders', 'No offender'],
      ['/discovery/decisions', 'No decision yet'],
      ['/discovery/fleets', 'No flagged fleet'],
      ['/discovery/canaries', 'No canary answered yet'],
      ['/discovery/attributions', 'No dump traced yet'],
    ] as const) {
      await page.goto(path);
      await page.getByText(empty, { exact: true }).waitFor();
      expect(await page.getByText('This could not be loaded').count()).toBe(0);
    }
    expect(await accessibilityViolations(person)).toEqual([]);
    expect(person.problems).toEqual([]);
  });
});
