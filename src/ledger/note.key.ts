/**
 * Signed-note keys in the Go sumdb / C2SP text formats:
 *   verifier key `name+hex(keyID)+base64(type || public key)`
 *   signer key   `PRIVATE+KEY+name+hex(keyID)+base64(type || Ed25519 seed)`
 * with keyID = SHA-256(name || 0x0A || type || public key)[:4], big-endian.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { CustosError } from '../core/errors.js';
import { concatBytes, fromBase64, hasForbiddenCharacters, toBase64, utf8 } from './bytes.js';

/** Signature type 0x01: Ed25519 over the note text. */
export const ED25519 = 0x01;
/** Signature type 0x04: timestamped Ed25519 witness cosignature (c2sp.org/tlog-cosignature). */
export const COSIGNATURE_V1 = 0x04;
export type SignatureType = typeof ED25519 | typeof COSIGNATURE_V1;

/** A parsed verifier key. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: SignatureType;
  readonly publicKey: Uint8Array;
  readonly keyObject: KeyObject;
}

/** A parsed signer key; the private half stays inside a KeyObject, which never prints its secret. */
export interface SignerKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: SignatureType;
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

// DER framing that turns raw 32-byte Ed25519 keys into PKCS#8 / SPKI structures for node:crypto.
const pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
const ed25519KeySize = 32;

function invalidKey(message: string): CustosError {
  return new CustosError('ledger.invalid_key', message);
}

// Go's unicode.IsSpace: ASCII spaces, NEL, NBSP and the Unicode space separators.
const unicodeSpace = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

/** True for a usable key name: non-empty, no Unicode spaces, no '+', encodable as UTF-8. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !unicodeSpace.test(name) && !name.includes('+') && !hasForbiddenCharacters(name);
}

/** The 32-bit key ID of a key: SHA-256(name || 0x0A || type || publicKey)[:4] read big-endian. */
export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const digest = createHash('sha256')
    .update(concatBytes(utf8(name), Uint8Array.of(0x0a, type), publicKey))
    .digest();
  return digest.readUInt32BE(0);
}

/** Eight lowercase hex digits, as key IDs appear in keys and error messages. */
export function formatKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
}

function publicKeyFromBytes(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([spkiPrefix, publicKey]), format: 'der', type: 'spki' });
}

function publicKeyBytes(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return Uint8Array.from(spki.subarray(spkiPrefix.length));
}

/** Formats the verifier key text for a public key. */
export function formatVerifierKey(key: { name: string; type: SignatureType; publicKey: Uint8Array }): string {
  const id = computeKeyId(key.name, key.type, key.publicKey);
  return `${key.name}+${formatKeyId(id)}+${toBase64(concatBytes(Uint8Array.of(key.type), key.publicKey))}`;
}

/** Signer and verifier key texts for a 32-byte Ed25519 seed (deterministic; for tests and imports). */
export function keyPairFromSeed(
  name: string,
  seed: Uint8Array,
  type: SignatureType = ED25519,
): { skey: string; vkey: string } {
  if (!isValidKeyName(name))
    throw invalidKey(`key name ${JSON.stringify(name)} is empty or has spaces or '+'`);
  if (seed.length !== ed25519KeySize) throw invalidKey(`Ed25519 seed is ${seed.length} bytes, not 32`);
  if (type !== ED25519 && type !== COSIGNATURE_V1) throw invalidKey(`unsupported signature type ${type}`);
  const publicKey = publicKeyBytes(privateKeyFromSeed(seed));
  const id = formatKeyId(computeKeyId(name, type, publicKey));
  return {
    skey: `PRIVATE+KEY+${name}+${id}+${toBase64(concatBytes(Uint8Array.of(type), seed))}`,
    vkey: formatVerifierKey({ name, type, publicKey }),
  };
}

/** A fresh random Ed25519 key pair as signer and verifier key texts. */
export function generateKey(name: string, type: SignatureType = ED25519): { skey: string; vkey: string } {
  return keyPairFromSeed(name, randomBytes(ed25519KeySize), type);
}

/** Splits off the first `count - 1` '+'-separated fields; the last keeps its '+' (base64 has them). */
function splitFields(text: string, count: number): string[] | undefined {
  const fields: string[] = [];
  let rest = text;
  for (let i = 1; i < count; i++) {
    const plus = rest.indexOf('+');
    if (plus < 0) return undefined;
    fields.push(rest.slice(0, plus));
    rest = rest.slice(plus + 1);
  }
  fields.push(rest);
  return fields;
}

/** Checks the fields shared by both key formats and returns the signature type and key bytes. */
function parseKeyFields(kind: string, name: string, idHex: string, keyBase64: string) {
  if (!isValidKeyName(name))
    throw invalidKey(`${kind} key name ${JSON.stringify(name)} is empty or has spaces or '+'`);
  if (!/^[0-9a-fA-F]{8}$/.test(idHex))
    throw invalidKey(`${kind} key ID ${JSON.stringify(idHex)} is not 8 hex digits`);
  const raw = fromBase64(keyBase64);
  if (raw === undefined || raw.length === 0) throw invalidKey(`${kind} key material is not valid base64`);
  const type = raw[0];
  if (type !== ED25519 && type !== COSIGNATURE_V1) {
    throw invalidKey(
      `${kind} key has unsupported signature type 0x${(type ?? 0).toString(16).padStart(2, '0')}`,
    );
  }
  const material = raw.subarray(1);
  if (material.length !== ed25519KeySize) {
    throw invalidKey(`${kind} key material is ${material.length} bytes; Ed25519 keys are 32`);
  }
  return {
    type: type as SignatureType,
    material: Uint8Array.from(material),
    keyId: Number.parseInt(idHex, 16),
  };
}

function assertKeyId(kind: string, name: string, claimed: number, actual: number): void {
  if (claimed !== actual) {
    throw invalidKey(
      `${kind} key ID ${formatKeyId(claimed)} for ${name} does not match the key (it hashes to ${formatKeyId(actual)})`,
    );
  }
}

/** Parses a verifier key `name+hex8+base64(type||pubkey)` of type 0x01 or 0x04. */
export function parseVerifierKey(vkey: string): VerifierKey {
  const fields = splitFields(vkey, 3);
  if (!fields) throw invalidKey('verifier key must be name+keyid+key');
  const [name = '', idHex = '', keyBase64 = ''] = fields;
  const { type, material, keyId } = parseKeyFields('verifier', name, idHex, keyBase64);
  assertKeyId('verifier', name, keyId, computeKeyId(name, type, material));
  let keyObject: KeyObject;
  try {
    keyObject = publicKeyFromBytes(material);
  } catch {
    throw invalidKey(`verifier key for ${name} is not a valid Ed25519 public key`);
  }
  return { name, keyId, type, publicKey: material, keyObject };
}

/** Parses a signer key `PRIVATE+KEY+name+hex8+base64(type||seed)` of type 0x01 or 0x04. */
export function parseSignerKey(skey: string): SignerKey {
  const fields = splitFields(skey, 5);
  if (fields?.[0] !== 'PRIVATE' || fields[1] !== 'KEY') {
    throw invalidKey('signer key must be PRIVATE+KEY+name+keyid+key');
  }
  const [, , name = '', idHex = '', keyBase64 = ''] = fields;
  const { type, material, keyId } = parseKeyFields('signer', name, idHex, keyBase64);
  const privateKey = privateKeyFromSeed(material);
  const publicKey = publicKeyBytes(privateKey);
  assertKeyId('signer', name, keyId, computeKeyId(name, type, publicKey));
  return { name, keyId, type, publicKey, privateKey };
}
