import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { type IdPrefix, idPrefixes, idSchema, isId, newId } from '../../src/core/ids.js';

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Reads the millisecond time back out of an id's first ten characters. */
function decodeTime(id: string): number {
  const body = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11);
  return [...body].reduce((acc, char) => acc * 32 + crockford.indexOf(char), 0);
}

describe('newId', () => {
  it('is the prefix, an underscore and 26 Crockford base32 characters', () => {
    const clock = createManualClock();
    for (const prefix of Object.keys(idPrefixes) as IdPrefix[]) {
      expect(newId(prefix, clock)).toMatch(new RegExp(`^${prefix}_[${crockford}]{26}$`));
    }
  });

  it('has one registry of prefixes, each three lowercase letters, with a schema for each', () => {
    const clock = createManualClock();
    for (const prefix of Object.keys(idPrefixes) as IdPrefix[]) {
      expect(prefix).toMatch(/^[a-z]{3}$/);
      const schema = idSchema(prefix);
      expect(schema.safeParse(newId(prefix, clock)).success).toBe(true);
      const other = prefix === 'usr' ? 'grt' : 'usr';
      expect(schema.safeParse(newId(other, clock)).success).toBe(false);
      expect(schema.safeParse(`${newId(prefix, clock)}x`).success).toBe(false);
    }
  });

  it('encodes the clock time in its first ten characters', () => {
    const clock = createManualClock(Date.UTC(2026, 10, 22, 9, 30, 15, 123));
    expect(decodeTime(newId('usr', clock))).toBe(clock.now());
    clock.set(0);
    expect(newId('usr', clock).slice(4, 14)).toBe('0000000000');
  });

  it('differs between two ids made in the same millisecond', () => {
    const clock = createManualClock();
    const ids = new Set(Array.from({ length: 100 }, () => newId('usr', clock)));
    expect(ids.size).toBe(100);
  });

  it('sorts as text in the order of the clock times it was made at', () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const steps = [0, 1, 1, 31, 32, 1000, 86_400_000, 2 ** 35];
    const ids = steps.map((step) => {
      clock.advance(step);
      return newId('evt', clock);
    });
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('isId', () => {
  const id = newId('usr', createManualClock());

  it('accepts an id made with the same prefix', () => {
    expect(isId('usr', id)).toBe(true);
  });

  it.each([
    ['another prefix', id.replace('usr_', 'ses_')],
    ['no underscore', id.replace('_', '')],
    ['an empty string', ''],
    ['lower case', id.toLowerCase()],
    ['25 characters', id.slice(0, -1)],
    ['27 characters', `${id}0`],
    ['the letter I', `${id.slice(0, -1)}I`],
    ['the letter L', `${id.slice(0, -1)}L`],
    ['the letter O', `${id.slice(0, -1)}O`],
    ['the letter U', `${id.slice(0, -1)}U`],
    ['a trailing newline', `${id}\n`],
    ['a leading space', ` ${id}`],
    ['a path around it', `../${id}`],
  ])('rejects %s', (_case, value) => {
    expect(isId('usr', value)).toBe(false);
  });
});
