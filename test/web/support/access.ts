import type { Custos } from '../../../src/app.js';

/** What `POST /v1/access/check` answers: `checkId` and `ledgerIndex` name the check's ledger record. */
export interface CheckAnswer {
  checkId: string;
  decision: 'permit' | 'deny';
  grantId?: string;
  reasons: { code: string; message: string }[];
  ledgerIndex: number;
}

/** A service API key that may call the access check, as an internal tool holds one. */
export async function serviceKey(custos: Custos, name = 'support-desk'): Promise<string> {
  return (await custos.apiKeys.create({ name, roles: ['service'], createdBy: 'test' })).token;
}

/**
 * Asks the access check over HTTP, as an internal tool would. The answer's `checkId` is the id of
 * the `access.check` ledger record and `ledgerIndex` its leaf index, for inclusion proofs.
 */
export async function checkAccess(
  baseUrl: string,
  key: string,
  body: { actor: string; subject: string; fields: string[]; operation: 'read' | 'export' },
): Promise<CheckAnswer> {
  const response = await fetch(`${baseUrl}/v1/access/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200)
    throw new Error(`access check answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as CheckAnswer;
}
