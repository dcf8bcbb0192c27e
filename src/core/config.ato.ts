import { z } from 'zod';
import { atoEnrichConfig } from './config.ato.enrich.js';
import { atoModelConfig } from './config.ato.model.js';
import { atoRulesConfig } from './config.ato.rules.js';
import { decimal, duration, int } from './config.fields.js';

/**
 * The takeover defence (`ato.*`): how scores become decisions, what happens when shared counters
 * are unreachable, and the bounds of what is kept in memory. The enrichment, model and rule
 * parameters have sections of their own.
 */
export const atoConfig = z
  .object({
    thresholds: z
      .object({
        challenge: decimal(0, 1000)
          .default(5)
          .describe('Score from which an event is challenged (scores are natural-log likelihood points).'),
        deny: decimal(0, 1000)
          .default(30)
          .describe(
            'Score from which an event is denied outright; must not be below `challenge`. High, because the model counts correlated features (new address, network and country together) as separate evidence: a traveller scores high but should be challenged, not refused.',
          ),
      })
      .strict()
      .prefault({})
      .refine((t) => t.deny >= t.challenge, 'ato.thresholds.deny must not be below ato.thresholds.challenge'),
    countersUnavailable: z
      .enum(['local', 'challenge'])
      .default('local')
      .describe(
        'When Redis does not answer: `local` counts on this node alone (limits per node until Redis is back); `challenge` answers every event that needs counters with a captcha challenge.',
      ),
    clockSkew: duration('5m').describe(
      'How far past the server clock an event time may be; a later time is replaced by the server time and given as a reason.',
    ),
    historyCache: int(1000, 10_000_000)
      .default(200_000)
      .describe(
        'Account histories kept in memory; the least recently used are dropped (they stay in the store).',
      ),
    historyFlushInterval: duration('1s').describe(
      'How often changed account histories are written to the store.',
    ),
    modelSnapshotInterval: duration('5m').describe(
      'How often the global feature distribution is saved, so a restart keeps what is common.',
    ),
    dedupeCache: int(0, 10_000_000)
      .default(200_000)
      .describe('Recent event ids remembered per node: a repeated id is answered with its first decision.'),
    batchMax: int(1, 10_000).default(1000).describe('Most events in one `POST /v1/auth/assess/batch`.'),
    enrich: atoEnrichConfig,
    model: atoModelConfig,
    rules: atoRulesConfig,
  })
  .strict()
  .prefault({});

export type AtoConfig = z.output<typeof atoConfig>;
