import { describe, expect, it } from 'vitest';
import { createFingerprinter, readNumbers } from '../../src/discovery/numbers.js';

const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const fingerprint = createFingerprinter(key);
const hash = 'ab'.repeat(32);

describe('reading the numbers of a check', () => {
  it('takes strict E.164 with an assigned calling code, and finds its destination prefix', () => {
    const read = readNumbers(
      ['+447700900123', '+12015550123', '+4915112345678', '+8613800138000'],
      fingerprint,
    );
    expect(read.invalid).toEqual([]);
    expect(read.numbers.map((n) => [n.index, n.callingCode, n.prefix])).toEqual([
      [0, '44', '+44770'],
      [1, '1', '+1201'],
      [2, '49', '+49151'],
      [3, '86', '+86138'],
    ]);
  });

  it('counts what is not a number, without throwing, and answers a repeat once', () => {
    const read = readNumbers(
      [
        '447700900123', // no plus
        '+44 7700 900123', // spaces
        '+0447700900123', // calling codes never start with 0
        '+4477009001234567', // 16 digits
        '+9991234567', // 999, 99 and 9 are not assigned
        'tel:+447700900123',
        42,
        null,
        hash.slice(1), // 63 hex digits
        '+447700900123',
        '+447700900123',
        hash,
        hash.toUpperCase(),
      ],
      fingerprint,
    );
    expect(read.invalid).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(read.numbers.map((n) => n.index)).toEqual([9, 11]);
    expect(read.duplicates).toEqual([10, 12]);
    expect(read.hashes).toBe(1);
    expect(read.numbers[1]?.prefix).toBeUndefined();
  });

  it('keys its fingerprints: the same number gives the same one under a key, another under another key', () => {
    const other = createFingerprinter(Buffer.from('ffeeddccbbaa99887766554433221100', 'hex'));
    expect(fingerprint('+447700900123')).toBe(fingerprint('+447700900123'));
    expect(fingerprint('+447700900123')).not.toBe(other('+447700900123'));
    expect(fingerprint('+447700900123')).not.toBe(fingerprint('+447700900124'));
    // 32-bit and spread: 100,000 consecutive numbers of one block collide about 100000²/2³³ ≈ 1 time.
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      const value = fingerprint(`+4477009${String(i).padStart(5, '0')}`);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(2 ** 32);
      seen.add(value);
    }
    expect(seen.size).toBeGreaterThan(99_990);
  });
});
