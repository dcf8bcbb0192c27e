import { describe, expect, it } from 'vitest';
import { createBoundedCache } from '../../src/core/cache.js';

describe('bounded cache', () => {
  it('never holds more than its capacity', () => {
    const cache = createBoundedCache<number>(10);
    for (let i = 0; i < 1000; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.get('k999')).toBe(999);
    expect(cache.get('k0')).toBeUndefined();
  });

  it('keeps a key that is read while others come and go', () => {
    const cache = createBoundedCache<number>(4);
    cache.set('hot', 1);
    for (let i = 0; i < 100; i++) {
      cache.set(`cold${i}`, i);
      expect(cache.get('hot'), `after ${i}`).toBe(1);
    }
  });

  it('remembers nothing with a capacity of 0', () => {
    const cache = createBoundedCache<number>(0);
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
