import { isCustosError } from '../core/errors.js';
import type { Counters } from './counters.js';

export interface FailoverCountersOptions {
  /** The shared counters, normally Redis. */
  primary: Counters;
  /** Local counters (memory) that answer while the primary is unavailable. */
  fallback: Counters;
  /** Told of every batch the fallback answered, e.g. to count degraded decisions. */
  onFallback?: () => void;
}

/**
 * Fail-open counters: a batch the primary refuses with limits.unavailable runs on the fallback
 * instead. The fallback's counts are this node's alone and are not merged back when the primary
 * returns, so every limit holds per node, not across nodes, during an outage (docs/ato-rules.md
 * gives the resulting bounds). Any other error is passed on.
 */
export function createFailoverCounters(options: FailoverCountersOptions): Counters {
  const { primary, fallback, onFallback } = options;
  return {
    async run(time, ops) {
      try {
        return await primary.run(time, ops);
      } catch (error) {
        if (!isCustosError(error, 'limits.unavailable')) throw error;
        onFallback?.();
        return fallback.run(time, ops);
      }
    },
    async close() {
      await Promise.all([primary.close(), fallback.close()]);
    },
  };
}
