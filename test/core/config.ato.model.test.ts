import { describe, expect, it } from 'vitest';
import { atoModelConfig } from '../../src/core/config.ato.model.js';

describe('ato.model configuration', () => {
  it('defaults to the paper’s model: every weight 1, α = 1, 32 values and 8 devices per account', () => {
    const config = atoModelConfig.parse({});
    expect(config.smoothing).toBe(1);
    expect(config.hourNeighbourWeight).toBe(0.5);
    expect(Object.values(config.weights)).toEqual(Array(10).fill(1));
    expect(config.history).toEqual({ maxValuesPerTable: 32, maxDevices: 8 });
    expect(config.global).toEqual({
      smoothing: 1,
      heavyHitters: 10_000,
      sketchWidth: 262_144,
      sketchDepth: 4,
      distinctPrecision: 12,
    });
  });

  it('reads numbers given as text, as environment variables are', () => {
    const config = atoModelConfig.parse({
      smoothing: '2.5',
      weights: { ip: '0' },
      history: { maxDevices: '4' },
    });
    expect([config.smoothing, config.weights.ip, config.history.maxDevices]).toEqual([2.5, 0, 4]);
  });

  it.each([
    ['an empty number', { smoothing: '' }],
    ['a negative weight', { weights: { ip: -1 } }],
    ['a number with an exponent', { smoothing: '1e3' }],
    ['a table too small for the hours of a day', { history: { maxValuesPerTable: 16 } }],
    ['a sketch width that is no power of two', { global: { sketchWidth: 3000 } }],
    ['an unknown key', { weights: { city: 1 } }],
  ])('refuses %s', (_, input) => {
    expect(atoModelConfig.safeParse(input).success).toBe(false);
  });
});
