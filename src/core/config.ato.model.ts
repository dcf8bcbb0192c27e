import { z } from 'zod';
import { decimal, int } from './config.fields.js';

const weight = (what: string) =>
  decimal(0, 10)
    .default(1)
    .describe(`Multiplier of the ${what} contribution (0 leaves it out of the score and the reasons).`);

/**
 * `ato.model`: the statistical risk model of the takeover defence (Freeman et al., NDSS 2016;
 * docs/ato-model.md): its smoothing, the weight of each feature, and the memory it may use per
 * account and for the population.
 */
export const atoModelConfig = z
  .object({
    smoothing: decimal(0.01, 1000)
      .default(1)
      .describe(
        'Pseudo-sessions α per distinct value an account has used, given to the back-off estimate: after n sessions with T distinct values, a value the account never used gets αT/(n+αT) of the back-off probability.',
      ),
    hourNeighbourWeight: decimal(0, 1)
      .default(0.5)
      .describe(
        'Share of a session counted also at the hours either side (cyclic: 23 h neighbours 0 h), so a login at 08:10 does not look new to an account that logs in at 07:50.',
      ),
    weights: z
      .object({
        ip: weight('IP address'),
        subnet: weight('/24 or /48 network'),
        asn: weight('autonomous system'),
        country: weight('country'),
        agent: weight('user agent'),
        browser: weight('app or browser version'),
        os: weight('operating system'),
        deviceType: weight('device type'),
        hour: weight('hour of day'),
        popularity: weight('account popularity'),
      })
      .strict()
      .prefault({})
      .describe('Feature weights; 1 is the paper’s model, where every feature counts in full.'),
    history: z
      .object({
        maxValuesPerTable: int(24, 1024)
          .default(32)
          .describe(
            'Most distinct values kept per feature for one account; the least used, then the longest unseen, is dropped. At least 24 so every hour of the day fits.',
          ),
        maxDevices: int(1, 64)
          .default(8)
          .describe('Most devices remembered per account, the most recently seen.'),
      })
      .strict()
      .prefault({}),
    global: z
      .object({
        smoothing: decimal(0.001, 1000)
          .default(1)
          .describe(
            'Pseudo-count added to every value of the population distribution, and to one slot for values never seen.',
          ),
        heavyHitters: int(64, 1_000_000)
          .default(10_000)
          .describe(
            'Values per feature counted exactly (the most frequent); a feature with more distinct values counts the rest in a sketch.',
          ),
        sketchWidth: int(1024, 1 << 24)
          .refine((n) => Number.isInteger(Math.log2(n)), 'expected a power of two')
          .default(1 << 18)
          .describe(
            'Counters per row of the count-min sketch of a feature’s rare values (power of two); the overestimate is at most e·N/width.',
          ),
        sketchDepth: int(2, 16)
          .default(4)
          .describe('Rows of the count-min sketch; the bound fails with probability e^-depth.'),
        distinctPrecision: int(8, 18)
          .default(12)
          .describe('log2 of the HyperLogLog registers counting distinct values; error 1.04/√(2^precision).'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type AtoModelConfig = z.output<typeof atoModelConfig>;
