import { describe, expect, it } from 'vitest';
import { createFingerprintSet, decodeFingerprints, encodeFingerprints } from '../../src/discovery/seen.js';

describe('the set of looked-up numbers', () => {
  it('holds what was added, and nothing else, through growth', () => {
    const set = createFingerprintSet();
    for (let i = 1; i <= 10_000; i++) set.add(Math.imul(i, 2654435761) >>> 0);
    expect(set.size).toBe(10_000);
    for (let i = 1; i <= 10_000; i++) expect(set.has(Math.imul(i, 2654435761) >>> 0)).toBe(true);
    let strangers = 0;
    for (let i = 10_001; i <= 20_000; i++) if (set.has(Math.imul(i, 2654435761) >>> 0)) strangers++;
    expect(strangers).toBe(0);
    // At most 3/4 full: 10,000 fingerprints in 16,384 slots of 4 bytes.
    expect(set.bytes).toBe(16_384 * 4);
  });

  it('adds a fingerprint once, and keeps 0 (the empty mark) as the fingerprint 1', () => {
    const set = createFingerprintSet();
    set.add(7);
    set.add(7);
    set.add(0);
    expect(set.size).toBe(2);
    expect(set.has(0)).toBe(true);
    expect(set.has(1)).toBe(true);
    expect([...set.values()].sort()).toEqual([1, 7]);
  });

  it('round-trips through its stored text, 4 bytes a number, and refuses text that is not one', () => {
    const set = createFingerprintSet();
    for (const value of [3, 0xffffffff, 123456789]) set.add(value);
    const text = encodeFingerprints(set);
    expect(Buffer.from(text, 'base64').length).toBe(12);
    const back = decodeFingerprints(text);
    expect(back?.size).toBe(3);
    for (const value of [3, 0xffffffff, 123456789]) expect(back?.has(value)).toBe(true);
    expect(decodeFingerprints('AAA')).toBeUndefined();
    expect(decodeFingerprints('not base64!')).toBeUndefined();
    expect(decodeFingerprints('')?.size).toBe(0);
  });
});
