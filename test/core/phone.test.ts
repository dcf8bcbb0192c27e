import { describe, expect, it } from 'vitest';
import { createPhoneReader, readPhone } from '../../src/core/phone.js';

describe('phone numbers', () => {
  it('reads a GB mobile with its type, country and prefix', () => {
    expect(readPhone('+447400123456')).toEqual({
      status: 'valid',
      e164: '+447400123456',
      country: 'GB',
      type: 'mobile',
      prefix: '+44740',
    });
  });

  it('reads US, German and Indian numbers', () => {
    // NANP numbers do not say whether they are mobile: libphonenumber answers fixed_line_or_mobile.
    expect(readPhone('+12015550123')).toEqual({
      status: 'valid',
      e164: '+12015550123',
      country: 'US',
      type: 'fixed_line_or_mobile',
      prefix: '+1201',
    });
    expect(readPhone('+18005550100')).toMatchObject({ status: 'valid', type: 'toll_free', prefix: '+1800' });
    expect(readPhone('+4915123456789')).toEqual({
      status: 'valid',
      e164: '+4915123456789',
      country: 'DE',
      type: 'mobile',
      prefix: '+49151',
    });
    expect(readPhone('+4930123456')).toMatchObject({ status: 'valid', country: 'DE', type: 'fixed_line' });
    expect(readPhone('+919876543210')).toEqual({
      status: 'valid',
      e164: '+919876543210',
      country: 'IN',
      type: 'mobile',
      prefix: '+91987',
    });
  });

  it('finds Ofcom’s drama range unallocated, but keeps its prefix for counting', () => {
    // 07700 900000-900999 is reserved for TV and radio drama; libphonenumber knows it is no line.
    expect(readPhone('+447700900123')).toEqual({
      status: 'invalid',
      e164: '+447700900123',
      prefix: '+44770',
    });
  });

  it('finds anything but strict E.164 invalid, without throwing', () => {
    for (const text of [
      '07700900123',
      '+1',
      '+44abc',
      'abc',
      '+44 7400 123456',
      '+44-7400-123456',
      '+1234567890123456',
      '+0123456789',
      '++447400123456',
      '447400123456',
      '+447400123456 ',
      '+９１９８７６５４３２１０',
      `+44${'7'.repeat(10_000)}`,
    ])
      expect(readPhone(text), text).toEqual({ status: 'invalid' });
  });

  it('finds a number with an unknown calling code invalid', () => {
    expect(readPhone('+999123456')).toEqual({ status: 'invalid' });
  });

  it('answers absent for nothing', () => {
    expect(readPhone(undefined)).toEqual({ status: 'absent' });
    expect(readPhone('')).toEqual({ status: 'absent' });
  });

  it('answers the same frozen object for a repeated number through the cache', () => {
    const read = createPhoneReader(10);
    const first = read('+447400123456');
    expect(read('+447400123456')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual(readPhone('+447400123456'));
  });
});
