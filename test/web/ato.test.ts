import { describe, expect, it } from 'vitest';
import { type SeededTakeover, seedTakeover } from './support/ato.js';
import {
  accessibilityViolations,
  addPerson,
  chromiumAvailable,
  consoleSuite,
  keepScreenshot,
  type Person,
  signInAs,
} from './support/console.js';
import { personCaller } from './support/seed.js';

const labels: Record<string, string> = {
  allow: 'Allowed',
  challenge: 'Challenged',
  deny: 'Denied',
  lock_device: 'Device locked',
};

describe.skipIf(!chromiumAvailable())('console takeover defence in Chromium', () => {
  let seeded: SeededTakeover;
  const suite = consoleSuite('ato', {
    setup: async (server) => {
      await addPerson(server.custos, 'dana', ['admin'], 'Dana Admin');
      await addPerson(server.custos, 'sam', ['analyst'], 'Sam Security');
      await addPerson(server.custos, 'erin', ['engineer'], 'Erin Engineer');
      seeded = await seedTakeover(server.baseUrl, await personCaller(server.baseUrl, 'dana'));
    },
  });

  /** The answer to the first event of this type, or to the event with this id. */
  const answerOf = (typeOrId: string) => {
    const found = seeded.assessed.find(
      (a) => a.event.type === typeOrId || a.event.eventId === `${seeded.account}-${typeOrId}`,
    );
    if (!found) throw new Error(`no ${typeOrId} was seeded`);
    return found.answer;
  };

  async function analyst(colorScheme: 'light' | 'dark' = 'light'): Promise<Person> {
    const person = await suite.open({ colorScheme });
    person.page.setDefaultTimeout(15_000);
    await signInAs(person, 'sam');
    return person;
  }

  it('answers the seeded events as an owner and an attacker would expect', () => {
    // The owner's logins from home pass; the registrations from a new device, abroad and at home,
    // are at least challenged, with reasons.
    for (const id of ['login-1', 'login-2', 'login-3']) expect(answerOf(id).decision).toBe('allow');
    for (const id of ['reg-1', 'reg-2']) {
      expect(answerOf(id).decision).not.toBe('allow');
      expect(answerOf(id).reasons.some((r) => r.contribution > 0)).toBe(true);
    }
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`shows the overview's figures and charts (${colorScheme})`, async () => {
      const person = await analyst(colorScheme);
      const { page } = person;
      const nav = page.getByRole('navigation', { name: 'Main navigation' });
      await nav.getByRole('link', { name: 'Takeover overview' }).click();
      await page.waitForURL(/\/ato$/);
      await page.getByRole('heading', { level: 1, name: 'Takeover defence' }).waitFor();
      const counts = { allow: 0, challenge: 0, deny: 0, lock_device: 0 };
      for (const { answer } of seeded.assessed) counts[answer.decision]++;
      const figure = (id: string) => page.getByTestId(`figure-${id}`).textContent();
      await page
        .getByTestId('figure-assessments')
        .getByText(String(seeded.assessed.length), { exact: true })
        .waitFor();
      const challenged = `${Math.round((counts.challenge / seeded.assessed.length) * 1000) / 10}%`;
      expect(await figure('challenged')).toContain(challenged);
      expect(await figure('denied')).toContain(String(counts.deny + counts.lock_device));
      expect(await figure('takeovers')).toMatch(/Confirmed takeovers1/);
      // The takeover names its event, so it is counted as caught or as allowed through.
      const entry = answerOf('otp-1');
      const caught = entry.decision === 'allow' ? 0 : 1;
      expect(await figure('caught')).toContain(`${caught} of 1`);
      expect(await figure('caught')).toContain(`${1 - caught} allowed through`);
      await page.getByText('Assessments per hour').waitFor();
      await page.getByText('Leading reasons of challenges, denials and locks').waitFor();
      // The charts' gist, in words: each decision's count over the span.
      await page
        .getByText(
          new RegExp(`^${counts.allow} allowed, ${counts.challenge} challenged, ${counts.deny} denied`),
        )
        .waitFor();
      await page.locator('.recharts-surface').first().waitFor();
      // The 7-day span is a link away and keeps the same figures (all events are recent).
      await page.getByText('Last 7 days').click();
      await page.waitForURL(/window=7d/);
      await page
        .getByTestId('figure-assessments')
        .getByText(String(seeded.assessed.length), { exact: true })
        .waitFor();
      await page.mouse.move(900, 800);
      expect(await accessibilityViolations(person)).toEqual([]);
      expect(person.problems).toEqual([]);
    });
  }

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`finds an account's assessments and opens one with its reasons (${colorScheme})`, async () => {
      const person = await analyst(colorScheme);
      const { page } = person;
      await page.goto('/ato/decisions');
      await page.getByRole('heading', { level: 1, name: 'Login decisions' }).waitFor();
      await page.getByRole('button', { name: 'Search' }).waitFor();
      // `/` puts the cursor in the search; the account is typed there and sent in a POST body.
      await page.keyboard.press('/');
      await page.keyboard.type(seeded.account);
      await page.keyboard.press('Enter');
      const table = page.getByRole('table', { name: 'Assessments, newest first' });
      await table.getByRole('row').nth(seeded.assessed.length).waitFor();
      expect(await table.getByRole('row').count()).toBe(seeded.assessed.length + 1);
      expect(page.url()).not.toContain(seeded.account);

      // j moves to the first (newest) row, j again to the next; Enter opens it in the panel.
      await page.mouse.move(0, 0);
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      // The registration from a home-country network: reasons that raised the risk and some that lowered it.
      const registration = answerOf('reg-2');
      const newestFirst = [...seeded.assessed].reverse();
      const position = newestFirst.findIndex((a) => a.answer.id === registration.id);
      for (let i = 0; i <= position; i++) await page.keyboard.press('j');
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`selected=${registration.id}`));
      expect(page.url()).not.toContain(seeded.account);

      const panel = page.getByRole('region', { name: 'Assessment' });
      const reasons = panel.getByRole('list', { name: 'Reasons, from most to least risky' });
      await reasons.waitFor();
      await panel
        .getByText(labels[registration.decision] as string, { exact: true })
        .first()
        .waitFor();
      // Every reason, sorted by its contribution, with its signed figure and its sentence.
      const sorted = [...registration.reasons].sort(
        (a, b) => b.contribution - a.contribution || a.code.localeCompare(b.code),
      );
      const shown = await reasons
        .locator('li')
        .evaluateAll((items) => items.map((li) => li.getAttribute('data-code')));
      expect(shown).toEqual(sorted.map((r) => r.code));
      for (const reason of sorted) await reasons.getByText(reason.message, { exact: true }).waitFor();
      const first = sorted[0];
      if (first && first.contribution > 0) {
        await reasons.getByText(`Raised the risk by+${first.contribution.toFixed(2)}`).waitFor();
      }
      const last = sorted.at(-1);
      if (last && last.contribution < 0) {
        await reasons.getByText(`Lowered the risk by−${Math.abs(last.contribution).toFixed(2)}`).waitFor();
      }
      // The context it was decided on, and the ledger entry that records it.
      await panel.getByRole('table', { name: 'Context' }).waitFor();
      await panel.getByRole('link', { name: /^\d+$/ }).waitFor();
      expect(await accessibilityViolations(person)).toEqual([]);

      // A number typed as people write it finds the same rows.
      await page.getByRole('textbox', { name: 'Account' }).fill('');
      await page
        .getByRole('textbox', { name: 'Phone number' })
        .fill(seeded.phone.replace(/^(\+44)(\d{4})(\d+)$/, '$1 $2 $3'));
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText(`${seeded.assessed.length} assessments, newest first.`).waitFor();
      expect(page.url()).not.toContain('7700');

      // The panel's ledger link opens the entry that holds the record.
      await panel.getByRole('link', { name: /^\d+$/ }).click();
      await page.waitForURL(/\/entries\/\d+$/);
      await page.getByText(registration.id).first().waitFor();
      expect(person.problems).toEqual([]);
    });
  }

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`shows a takeover's timeline with the decision that let the attacker in (${colorScheme})`, async () => {
      const person = await analyst(colorScheme);
      const { page } = person;
      await page.goto('/ato/takeovers');
      await page.getByRole('heading', { level: 1, name: 'Confirmed takeovers' }).waitFor();
      await page.getByRole('row', { name: new RegExp(`Takeover of ${seeded.account}`) }).click();
      await page.waitForURL(new RegExp(`/ato/takeovers/${seeded.takeover.id}$`));
      const timeline = page.getByRole('list', { name: 'Timeline of the takeover' });
      await timeline.waitFor();
      // Every assessment of the account, and the takeover among them.
      expect(await timeline.locator(':scope > li').count()).toBe(seeded.assessed.length + 1);
      const items = await timeline.locator(':scope > li').allTextContents();
      const takeoverAt = items.findIndex((text) => text.includes('Takeover (Code phishing)'));
      expect(takeoverAt).toBe(
        seeded.assessed.filter((a) => (a.event.time as number) <= seeded.takeover.happenedAt).length,
      );
      // The event the platform named is the one highlighted.
      const entry = timeline.locator('[data-entry]');
      expect(await entry.count()).toBe(1);
      expect(await entry.textContent()).toContain('Let the attacker in');
      expect(await entry.textContent()).toContain('Code entered');
      expect(await entry.textContent()).toContain('The platform named this event');
      await page.getByText('The owner gave the code to a caller posing as support.').waitFor();
      expect(await accessibilityViolations(person)).toEqual([]);
      await keepScreenshot(page, `ato-timeline-${colorScheme}`);

      // From the timeline to the assessment's reasons.
      await entry.getByRole('link', { name: 'Open the assessment and its reasons' }).click();
      await page.waitForURL(new RegExp(`/ato/decisions\\?selected=${answerOf('otp-1').id}`));
      await page.getByRole('list', { name: 'Reasons, from most to least risky' }).waitFor();
      expect(person.problems).toEqual([]);
    });
  }

  it('shows "—" and Retry when the summary fails, and offers to clear a search that matches nothing', async () => {
    const person = await analyst();
    const { page } = person;
    await page.route('**/v1/ato/summary?*', (route) =>
      route.fulfill({
        status: 500,
        json: {
          code: 'internal',
          message: 'Something failed on the server.',
          requestId: 'rid_forced_failure',
        },
      }),
    );
    await page.goto('/ato');
    await page.getByText('The figures could not be loaded').waitFor();
    await page.getByText('rid_forced_failure').waitFor();
    // A figure that could not be read is "—", never 0.
    for (const id of ['assessments', 'challenged', 'denied', 'takeovers', 'caught']) {
      expect(await page.getByTestId(`figure-${id}`).textContent()).toContain('—');
    }
    expect(await accessibilityViolations(person)).toEqual([]);
    await page.unroute('**/v1/ato/summary?*');
    await page.getByRole('button', { name: 'Retry' }).click();
    await page
      .getByTestId('figure-assessments')
      .getByText(String(seeded.assessed.length), { exact: true })
      .waitFor();
    expect(await page.getByText('The figures could not be loaded').count()).toBe(0);

    await page.goto('/ato/decisions');
    await page.getByRole('textbox', { name: 'Account' }).fill('u_nobody_here');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No assessment matches').waitFor();
    await page.getByRole('button', { name: 'Show all assessments' }).click();
    await page.getByRole('table', { name: 'Assessments, newest first' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Account' }).inputValue()).toBe('');
    // The forced failures are the only problems the browser saw.
    expect(person.problems.filter((p) => !p.includes('status of 500'))).toEqual([]);
  });

  it('shows an engineer no takeover pages, and refuses each address and API call', async () => {
    const person = await suite.open();
    const { page } = person;
    await signInAs(person, 'erin');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    await nav.getByRole('link').first().waitFor();
    expect(await nav.getByText('Takeover defence', { exact: true }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: /takeover|decisions/i }).count()).toBe(0);
    for (const path of ['/ato', '/ato/decisions', '/ato/takeovers', `/ato/takeovers/${seeded.takeover.id}`]) {
      await page.goto(path);
      await page.getByRole('heading', { name: 'Not permitted' }).waitFor();
      expect(await page.getByText('ato.read').count()).toBe(1);
    }
    expect(await accessibilityViolations(person)).toEqual([]);
    const csrf = (await person.context.cookies()).find((c) => c.name === 'custos_csrf')?.value ?? '';
    expect((await page.request.get(`/v1/ato/takeovers/${seeded.takeover.id}`)).status()).toBe(403);
    expect((await page.request.get('/v1/ato/summary?from=0&to=3600000')).status()).toBe(403);
    expect(
      (
        await page.request.post('/v1/ato/decisions/search', {
          headers: { 'x-csrf-token': csrf },
          data: { account: seeded.account },
        })
      ).status(),
    ).toBe(403);
    expect(person.problems).toEqual([]);
  });
});
