import argon2 from 'argon2';

/** Passwords longer than this are refused before hashing, so nobody can make us hash megabytes. */
export const maxPasswordLength = 256;
export const minPasswordLength = 12;

// OWASP's argon2id baseline (m=19 MiB, t=2, p=1); see the OWASP Password Storage Cheat Sheet.
const options = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** An argon2id hash in PHC string form. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, options);
}

// Verified against when the account does not exist, so a wrong username costs the same time as
// a wrong password and does not reveal which accounts exist.
const decoy = hashPassword('decoy password that matches nothing');

/**
 * True when `password` matches `hash`; with no hash, spends the same time and returns false. A
 * stored hash argon2 cannot read (a corrupt or tampered row) also refuses, and is reported to
 * `onCorrupt`: it is not a wrong password, and someone should look.
 */
export async function verifyPassword(
  hash: string | null,
  password: string,
  onCorrupt?: (error: unknown) => void,
): Promise<boolean> {
  if (password.length > maxPasswordLength) return false;
  if (!hash) {
    await argon2.verify(await decoy, password);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch (error) {
    onCorrupt?.(error);
    return false;
  }
}
