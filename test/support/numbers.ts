/**
 * Phone numbers for discovery tests. `book` numbers look like an address book: scattered over the
 * UK's +44 7700 range at least 97 apart and in no numeric order (k ↦ 7919·k mod 10007 is a
 * permutation of 0…10006), so no sweep signal fires; `from` picks where in the permutation to
 * start, so books of disjoint ranges share no number. `run` numbers are consecutive, as a sweep
 * asks for them.
 */
export const book = (from: number, count: number, prefix = '+447700') =>
  Array.from(
    { length: count },
    (_, i) => `${prefix}${String((((from + i) * 7919) % 10007) * 97).padStart(6, '0')}`,
  );

export const run = (from: number, count: number, prefix = '+447911') =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(from + i).padStart(6, '0')}`);
