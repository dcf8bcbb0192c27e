import { randomFillSync } from 'node:crypto';
import type { Clock } from './clock.js';

// Crockford's base32: no I, L, O, U, so ids survive being read aloud and typed.
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Three lowercase letters naming the kind: usr, ses, key, obx, evt, grt, chk, … */
export type IdPrefix = string;

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
  return new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`).test(value);
}
