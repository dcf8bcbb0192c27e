import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import type { Store } from './store.js';

/** Names of the secrets kept in the store. */
export type SharedSecretName = 'access.transparency.pseudonym' | 'discovery.fingerprint' | 'discovery.canary';

/**
 * The secret `name` as every node sharing this store knows it: the first node to ask creates 32
 * random bytes, and an insert that loses the race reads the winner's. For keys that must agree
 * across nodes but protect nothing from whoever administers the database itself.
 */
export async function sharedSecret(
  store: Pick<Store, 'db'>,
  clock: Clock,
  name: SharedSecretName,
  /** The value to keep if there is none yet, instead of fresh random bytes (a key in use). */
  seed?: string,
): Promise<string> {
  await store.db
    .insertInto('shared_secrets')
    .values({ name, value: seed ?? randomBytes(32).toString('hex'), created_at: clock.now() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await store.db
    .selectFrom('shared_secrets')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row || row.value.length < 32) {
    throw new CustosError('store.unavailable', `the shared secret ${name} cannot be read`);
  }
  return row.value;
}
