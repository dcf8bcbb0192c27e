import { Buffer } from 'node:buffer';
import type { Page } from 'playwright-core';

/**
 * On the ledger page: pins the log's verifier key (as the server printed it, never as a reply
 * says), looks an entry up by its record id and opens it.
 */
export async function openEntryByRecord(
  page: Page,
  options: { vkey: string; recordId: string; index: number },
) {
  await page.goto('/ledger');
  await page.getByRole('heading', { name: 'Ledger' }).waitFor();
  await page.getByRole('table', { name: 'Log entries by index' }).waitFor();
  await page.getByText(/Cosigned by|No witness has cosigned/).waitFor();
  await page.getByLabel('Log verifier key').fill(options.vkey);
  await page.getByRole('button', { name: 'Pin key' }).click();
  await page.getByText(/fingerprint \(SHA-256\) [0-9a-f]{64}/).waitFor();
  await page.getByLabel('Record id').fill(options.recordId);
  await page.getByRole('button', { name: 'Find entry' }).click();
  await page.waitForURL(new RegExp(`/entries/${options.index}$`));
  await page.getByRole('heading', { name: `Ledger entry ${options.index}` }).waitFor();
}

/** From now on, every inclusion proof the page fetches arrives with one bit of its first hash flipped. */
export async function alterProofsOnTheWay(page: Page): Promise<void> {
  await page.route('**/v1/ledger/entries/*/proof*', async (route) => {
    const response = await route.fetch();
    const proof = (await response.json()) as { inclusion: string[] };
    const first = Buffer.from(proof.inclusion[0] as string, 'base64');
    first[0] = (first[0] as number) ^ 0x01;
    proof.inclusion[0] = first.toString('base64');
    await route.fulfill({ response, json: proof });
  });
}

/** Clicks "Verify in this browser" and waits for the verdict: the status or the red banner. */
export async function verifyInBrowser(page: Page): Promise<{ verified: boolean; text: string }> {
  await page.getByRole('button', { name: 'Verify in this browser' }).click();
  const verified = page.getByRole('status').filter({ hasText: 'Verified in this browser' });
  const failed = page.getByRole('alert').filter({ hasText: 'not proven to be in the log' });
  await verified.or(failed).first().waitFor();
  if (await failed.count()) return { verified: false, text: (await failed.textContent()) ?? '' };
  return { verified: true, text: (await verified.textContent()) ?? '' };
}
