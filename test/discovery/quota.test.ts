import { describe, expect, it } from 'vitest';
import { createQuota } from '../../src/discovery/quota.js';

const minute = 60_000;
const hour = 60 * minute;
const T0 = Date.UTC(2026, 0, 1);

describe('the new-number quota', () => {
  // Signal's published figures: 50,000 at first, then 6 an hour (one every 10 minutes).
  const quota = createQuota({ allowance: 50_000, refillPerHour: 6 });

  it('starts full, and once spent refills one number every ten minutes', () => {
    expect(quota.available(0, T0)).toBe(50_000);
    const tat = quota.charge(0, T0, 50_000);
    expect(tat).toBe(T0 + 50_000 * 10 * minute);
    expect(quota.available(tat, T0)).toBe(0);
    expect(quota.waitMs(tat, T0)).toBe(10 * minute);
    expect(quota.available(tat, T0 + 10 * minute - 1)).toBe(0);
    expect(quota.available(tat, T0 + 10 * minute)).toBe(1);
    // A day after: 144 numbers, about what Signal says an account gets a day.
    expect(quota.available(tat, T0 + 24 * hour)).toBe(144);
  });

  it('never refills above the allowance, and charges only what it is told', () => {
    const tat = quota.charge(0, T0, 300);
    expect(quota.available(tat, T0)).toBe(49_700);
    expect(quota.available(tat, T0 + 10_000 * hour)).toBe(50_000);
    expect(quota.waitMs(tat, T0)).toBe(0);
    // Charging later starts from the later time: a full bucket does not bank time.
    const later = quota.charge(0, T0 + 365 * 24 * hour, 1);
    expect(later).toBe(T0 + 365 * 24 * hour + 10 * minute);
  });
});
