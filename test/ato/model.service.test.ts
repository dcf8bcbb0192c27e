import { describe, expect, it } from 'vitest';
import { createRiskModel } from '../../src/ato/model.service.js';
import { atoModelConfig } from '../../src/core/config.ato.model.js';
import { isCustosError } from '../../src/core/errors.js';
import { login, sessionFeatures } from '../support/ato.sessions.js';

const config = atoModelConfig.parse({});
const berlin = sessionFeatures({
  ip: '203.0.113.7',
  subnet: '203.0.113.0/24',
  asn: 3320,
  country: 'DE',
  hour: 9,
});

describe('the risk model as the engine uses it', () => {
  it('starts a history for an account it has not seen and counts the account once in the population', () => {
    const model = createRiskModel(config);
    const history = model.observe(undefined, login('acc', 1000), berlin);
    model.observe(history, login('acc', 2000), berlin);
    expect([history.account, history.observations, history.firstSeen]).toEqual(['acc', 2, 1000]);
    expect([model.population().total, model.population().accounts]).toEqual([2, 1]);
  });

  it('teaches the population nothing the history does not learn', () => {
    const model = createRiskModel(config);
    const history = model.observe(undefined, login('acc', 1000, { outcome: 'failure' }), berlin);
    expect(history.observations).toBe(0);
    expect(model.population().total).toBe(0);
  });

  it('keeps a carrier signal from an event it is told not to learn, and learns nothing else from it', () => {
    const model = createRiskModel(config);
    const history = model.observe(
      undefined,
      login('acc', 1000, { carrier: { simSwapAt: 900 } }),
      berlin,
      false,
    );
    expect([history.observations, history.simSwapAt, model.population().total]).toEqual([0, 900, 0]);
  });

  it('refuses to learn an event with no account and no history', () => {
    const model = createRiskModel(config);
    let thrown: unknown;
    try {
      model.observe(undefined, { type: 'login', time: 1, outcome: 'success' }, berlin);
    } catch (error) {
      thrown = error;
    }
    expect(isCustosError(thrown, 'internal')).toBe(true);
  });

  it('scores against the population it has learnt', () => {
    const model = createRiskModel(config);
    model.observe(undefined, login('acc', 1000), berlin);
    const other = model.observe(undefined, login('other', 1), sessionFeatures({ hour: 12 }));
    const { reasons } = model.score(berlin, other);
    const contribution = (code: string) => reasons.find((r) => r.code === code)?.contribution;
    // N = 2 sessions of |U| = 2 accounts. DE: p = (1 + 1)/(2 + 1·2) = 0.5; 'other' never used it, so
    // p̃ = 1 · 0.5/(1 + 1) = 0.25 and the contribution is ln 2. Popularity: ln((2 + 2)/(2 · 2)) = 0.
    expect(contribution('model.country')).toBeCloseTo(Math.log(2), 12);
    expect(contribution('model.popularity')).toBeCloseTo(0, 12);
  });

  it('encodes histories and decodes a corrupt one as none', () => {
    const model = createRiskModel(config);
    const history = model.observe(undefined, login('acc', 1000), berlin);
    expect(model.codec.decode('acc', model.codec.encode(history))?.observations).toBe(1);
    expect(model.codec.decode('acc', '{"account":"acc"')).toBeUndefined();
    expect(model.codec.decode('other', model.codec.encode(history))).toBeUndefined();
  });

  it('saves and restores the population, and starts empty from a snapshot that does not parse', () => {
    const model = createRiskModel(config);
    model.observe(undefined, login('acc', 1000), berlin);
    const saved = model.global.save();
    const restored = createRiskModel(config);
    expect(restored.global.load(saved)).toBe(true);
    expect(restored.population().probability('country', 'DE')).toBe(
      model.population().probability('country', 'DE'),
    );
    expect(restored.global.load('not a snapshot')).toBe(false);
    expect(restored.population().total).toBe(0);
  });
});
