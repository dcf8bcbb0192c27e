import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CustosError } from '../core/errors.js';
import {
  formatVerifierKey,
  generateKey,
  parseSignerKey,
  parseVerifierKey,
  type SignerKey,
  type VerifierKey,
} from './note.key.js';

export interface LogKeys {
  signer: SignerKey;
  verifier: VerifierKey;
  vkey: string;
  /** True when this call created the key. */
  created: boolean;
}

/** The verifier key text (`name+id+key`) that matches a signer key text. */
export function vkeyOf(skey: string): string {
  const signer = parseSignerKey(skey);
  return formatVerifierKey({ name: signer.name, type: signer.type, publicKey: signer.publicKey });
}

/**
 * Reads the log's signing key from `file`, creating it (mode 0600) with the origin as its name
 * when missing, so a laptop start needs no setup while no signing secret is ever built in.
 */
export function loadOrCreateLogKey(file: string, origin: string): LogKeys {
  let created = false;
  if (!existsSync(file)) {
    const { skey } = generateKey(origin);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${skey}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
  }
  const skey = readFileSync(file, 'utf8').trim();
  const signer = parseSignerKey(skey);
  if (signer.name !== origin) {
    throw new CustosError(
      'config.invalid',
      `the ledger key in ${file} is for ${signer.name}, not the origin ${origin}`,
    );
  }
  const vkey = vkeyOf(skey);
  return { signer, verifier: parseVerifierKey(vkey), vkey, created };
}
