import { randomFillSync } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from './clock.js';

// Crockford's base32: no I, L, O, U, so ids survive being read aloud and typed.
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Every kind of id Custos mints, by its three-letter prefix: the one registry, so a prefix is never
 * used for two kinds and every id has a schema.
 */
export const idPrefixes = {
  usr: 'console user',
  ses: 'console session',
  key: 'API key',
  obx: 'outbox delivery',
  evt: 'event',
  grt: 'access grant',
  chk: 'access check',
  dsc: 'disclosure to a subject',
  req: 'access request',
  apv: 'approval decision',
  apr: 'refused approval attempt',
  rqc: 'request cancellation',
  bgl: 'break-glass use',
  bgr: 'break-glass review',
  bge: 'break-glass escalation',
  rvw: 'access review campaign',
  rvi: 'access review item',
  rvr: 'access review record',
  pol: 'saved approval policy version',
  atd: 'takeover-defence assessment',
  atk: 'confirmed account takeover',
  dch: 'contact-discovery check',
  dat: 'leaked-dump attribution report',
  alr: 'detection alert',
  sup: 'alert suppression',
} as const;

export type IdPrefix = keyof typeof idPrefixes;

/** The shape of an id of one kind: prefix, 10 characters of time, 16 of randomness. */
export function idPattern(prefix: IdPrefix): RegExp {
  return new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`);
}

/** A zod schema for ids of one kind, for route parameters and bodies. */
export function idSchema(prefix: IdPrefix, description = `${idPrefixes[prefix]} id (${prefix}_…)`) {
  return z.string().regex(idPattern(prefix), `expected a ${prefix}_ id`).describe(description);
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = alphabet[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

// Randomness for ids is drawn from the CSPRNG 4 KiB at a time: one call per ~400 ids instead
// of one per id, which showed in the access check's profile.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomTen(): Buffer {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + 10);
  poolOffset += 10;
  return bytes;
}

/**
 * A prefixed id that sorts by creation time: `usr_01J…`, 10 characters of millisecond time then
 * 16 of randomness (80 bits), the ULID layout.
 */
export function newId(prefix: IdPrefix, clock: Clock): string {
  return `${prefix}_${encodeTime(clock.now())}${encodeRandom(randomTen())}`;
}

/** True when `value` looks like an id with this prefix (shape only; it may not exist). */
export function isId(prefix: IdPrefix, value: string): boolean {
  return idPattern(prefix).test(value);
}
