import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createCustos } from '../app.js';
import { createEnricher } from '../ato/enrich.js';
import { createReplayAssessor } from '../ato/replay.js';
import type { Assessor } from '../ato/types.js';
import { systemClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { createClient } from '../sdk/index.js';
import type { OpenAssessor } from './ato.js';
import { configFrom, type GlobalOptions, type Io, usageError } from './context.js';
import type { SimLookups } from './sim.js';

type Closable = Assessor & { close(): Promise<void> };

/** `custos ato eval`: the offline replay assessor, with the `ato` settings of the config in use. */
export function replayAssessor(program: Command, io: Io): OpenAssessor {
  return async () => {
    const config = configFrom(program.opts<GlobalOptions>(), io);
    return createReplayAssessor({ config: config.ato, clock: systemClock });
  };
}

/**
 * `custos sim ato`: a whole Custos (store, ledger, counters) in a fresh folder of its own, so the
 * simulation drives the same assessment the API serves, records every decision, and never touches
 * the operator's data; or, with `--url`, a running server through the SDK.
 */
export function simAssessor(program: Command, io: Io): OpenAssessor {
  return async (target = {}) => {
    if (target.url) return sdkAssessor(target.url);
    const options = program.opts<GlobalOptions>();
    const dataDir = mkdtempSync(join(tmpdir(), 'custos-sim-'));
    // The simulated clock runs days ahead of the wall clock: no skew check, fast checkpoints.
    const config = configFrom({ ...options, dataDir }, io, { 'ato.clockSkew': 100 * 365 * 86_400_000 });
    const logger = createLogger({ level: 'warn', pretty: false, destination: process.stderr });
    const custos = await createCustos(
      { ...config, dataDir, database: { ...config.database, url: undefined } },
      { logger },
    );
    custos.atoEngine.preload();
    return {
      assess: async (event, facts) => (await custos.atoAssess.assess(event, 'sim', facts)).assessment,
      async close() {
        await custos.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    } satisfies Closable;
  };
}

function sdkAssessor(url: string): Closable {
  const apiKey = process.env.CUSTOS_API_KEY;
  if (!apiKey) throw usageError('--url needs an API key with scope ato.assess in CUSTOS_API_KEY');
  const client = createClient({ baseUrl: url, apiKey });
  return {
    async assess(event) {
      const answer = await client.ato.assess(event);
      return {
        decision: answer.decision,
        ...(answer.challenges ? { challenges: answer.challenges } : {}),
        ...(answer.retryAfter !== undefined ? { retryAfterMs: answer.retryAfter * 1000 } : {}),
        score: answer.score,
        reasons: answer.reasons,
        actions: answer.actions,
      };
    },
    close: async () => undefined,
  };
}

/** Real address ranges and a country lookup from the enrichment data, for the simulator. */
export function simLookups(program: Command, io: Io): SimLookups {
  let enricher: ReturnType<typeof createEnricher> | undefined;
  const get = () => {
    enricher ??= createEnricher({ config: configFrom(program.opts<GlobalOptions>(), io).ato.enrich });
    return enricher;
  };
  return {
    addressesOf: (asn) => get().asnRanges(asn),
    locate: (ip) => get().ip(ip).country,
  };
}
