import { describe, expect, it } from 'vitest';
import { issueGrant, register } from '../support/access.js';
import {
  accessibilityViolations,
  addPerson,
  chromiumAvailable,
  consoleSuite,
  type Person,
  signInAs,
} from './support/console.js';
import { alterProofsOnTheWay, openEntryByRecord } from './support/ledger.js';

describe.skipIf(!chromiumAvailable())('ledger and transparency in Chromium', () => {
  let checkIndex: number;
  let checkId: string;
  const suite = consoleSuite('ledger', {
    overrides: { 'ledger.maxDelay': '20ms' },
    setup: async (server) => {
      await addPerson(server.custos, 'audrey', ['auditor'], 'Audrey Auditor');
      const actor = await addPerson(server.custos, 'ed', ['engineer'], 'Ed Engineer');
      await register(server.custos, actor.id, { team: 'support' });
      await issueGrant(server.custos, {
        actorId: actor.id,
        purpose: 'support',
        ticketId: 'T-9',
        subjects: ['user-42'],
        fields: ['identity.phone'],
        operations: ['read'],
        durationMs: 3_600_000,
        source: 'approval',
      });
      const { token } = await server.custos.apiKeys.create({
        name: 'support-tool',
        roles: ['service'],
        createdBy: 'test',
      });
      // Several checks, so the log holds several entries and every proof has hashes to tamper with.
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${server.baseUrl}/v1/access/check`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            actor: actor.id,
            subject: 'user-42',
            fields: ['identity.phone'],
            operation: 'read',
          }),
        });
        expect(response.status).toBe(200);
        const result = (await response.json()) as { checkId: string; ledgerIndex: number; decision: string };
        expect(result.decision).toBe('permit');
        checkId = result.checkId;
        checkIndex = result.ledgerIndex;
      }
      await server.custos.ledger.awaitIntegration(checkIndex);
    },
  });
  let person: Person | undefined;

  /** Signs the auditor in, pins the log key as printed by the server, and finds the check's entry. */
  async function openCheckEntry(colorScheme: 'light' | 'dark') {
    person = await suite.open({ colorScheme });
    const { page } = person;
    await signInAs(person, 'audrey');
    await openEntryByRecord(page, {
      vkey: suite.server.custos.ledger.vkey,
      recordId: checkId,
      index: checkIndex,
    });
    expect(await accessibilityViolations(person)).toEqual([]);
    // An auditor sees the record itself, not only its commitment.
    await page.getByText(checkId).first().waitFor();
    await page.getByText('"subject": "user-42"').first().waitFor();
    return person;
  }

  it('verifies a check’s entry in the browser with the pinned key (light)', async () => {
    const { page } = await openCheckEntry('light');
    await page.getByText('Server says', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Verify in this browser' }).click();
    const verified = page.getByRole('status').filter({ hasText: 'Verified in this browser' });
    await verified.waitFor();
    expect(await verified.textContent()).toMatch(/WebCrypto/);
    expect(await page.getByText('Failed').count()).toBe(0);
    expect(await accessibilityViolations(person as Person)).toEqual([]);
    expect((person as Person).problems).toEqual([]);
  });

  it('shows Failed, with both hashes and nothing green, when one byte of the proof is changed (dark)', async () => {
    const { page } = await openCheckEntry('dark');
    await alterProofsOnTheWay(page);
    await page.getByRole('button', { name: 'Verify in this browser' }).click();
    const failed = page.getByRole('alert').filter({ hasText: 'not proven to be in the log' });
    await failed.waitFor();
    const text = (await failed.textContent()) ?? '';
    expect(text).toContain('The inclusion proof to the checkpoint root');
    expect(text).toMatch(/Computed: [0-9a-f]{64}/);
    expect(text).toMatch(/Expected: [0-9a-f]{64}/);
    await failed.getByRole('button', { name: 'Copy evidence' }).waitFor();
    expect(await page.getByText('Verified in this browser').count()).toBe(0);
    expect(await accessibilityViolations(person as Person)).toEqual([]);
    expect((person as Person).problems).toEqual([]);
  });

  it.each(['light', 'dark'] as const)(
    'looks a subject up and sees the access, with no id in the URL (%s)',
    async (colorScheme) => {
      person = await suite.open({ colorScheme });
      const { page } = person;
      await signInAs(person, 'audrey');
      await page.getByRole('link', { name: 'Transparency' }).click();
      await page.waitForURL(/\/transparency$/);
      // Off the link just clicked, so axe sees the page as it rests, not a hover state.
      await page.mouse.move(900, 700);
      await page.getByRole('heading', { name: 'Transparency' }).waitFor();
      expect(await accessibilityViolations(person)).toEqual([]);
      await page.getByLabel('User id').fill('user-42');
      await page.getByRole('button', { name: 'Look up' }).click();
      const table = page.getByRole('table', { name: 'Accesses this user sees' });
      await table.waitFor();
      expect(await table.getByRole('row').count()).toBe(4); // the header and three accesses
      expect(await table.textContent()).toContain('identity.phone');
      expect(page.url()).not.toContain('user-42');
      expect(await accessibilityViolations(person)).toEqual([]);
      expect(person.problems).toEqual([]);
    },
  );
});
