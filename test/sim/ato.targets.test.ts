import { describe, expect, it } from 'vitest';
import { createEnricher } from '../../src/ato/enrich.js';
import { createReplayAssessor } from '../../src/ato/replay.js';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { runAtoSimulation } from '../../src/sim/ato/run.js';

// The targets, on the real engine (enrichment with its data, model, rules and the
// combiner at their default settings) and the default simulated population: 5,000 accounts over
// 14 days with every attack. The replay assessor leaves out only the recording, which decides
// nothing. A change of rules, model or thresholds that breaks a target fails here.

describe('the takeover defence on the default simulation', () => {
  it('stops at least 95 % of takeovers, challenges at most 1 % of legitimate logins, bounds code guessing and locks no owner out', async () => {
    const { config } = loadConfig({ env: {} });
    const enricher = createEnricher({ config: config.ato.enrich });
    const assessor = createReplayAssessor({ config: config.ato, clock: systemClock });
    const report = await runAtoSimulation(
      {
        assessor,
        stopwatch: systemClock,
        addressesOf: (asn) => enricher.asnRanges(asn),
        locate: (ip) => enricher.ip(ip).country,
      },
      { accounts: 5000, days: 14, seed: 1 },
    );
    await assessor.close();
    expect(report.takeovers.attempts).toBeGreaterThan(100);
    expect(report.takeovers.stopped.share).toBeGreaterThanOrEqual(0.95);
    expect(report.legitimate.loginsChallenged.of).toBeGreaterThan(50_000);
    expect(report.legitimate.loginsChallenged.share).toBeLessThanOrEqual(0.01);
    expect(report.bruteForce.campaigns).toBeGreaterThan(0);
    expect(report.bruteForce.successProbability ?? 0).toBeLessThan(1e-4);
    expect(report.ownersLockedOut).toBe(0);
  }, 120_000);
});
