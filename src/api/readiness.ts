import type { Clock } from '../core/clock.js';
import { type ErrorCode, errorCodes } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Store } from '../store/store.js';

/** A part of Custos that keeps this node from serving, with a stable code and since when. */
export interface FailingComponent {
  /** `store`, `ledger.tiles`, `ledger.witnesses` or `ledger.publication`. */
  component: string;
  code: ErrorCode;
  /** ISO 8601 time of the first failure observed in a row. */
  since: string;
}

/**
 * Readiness: the store answers and has room, and the ledger publishes checkpoints. Each failing
 * part is named with a code from the registry and since when; the underlying errors go to the
 * log only.
 */
export function createReadiness(deps: {
  store: Pick<Store, 'ping' | 'fullSince'>;
  ledger: Pick<Ledger, 'publication'>;
  clock: Clock;
}) {
  const { store, ledger, clock } = deps;
  // The store's own reports carry no time, so the first failing probe in a row dates it.
  let unreachableSince: number | undefined;
  const iso = (ms: number) => new Date(ms).toISOString();

  return {
    /** The failing parts, most basic first; empty when ready. `log` receives the underlying errors. */
    async failing(log: (error: unknown) => void): Promise<FailingComponent[]> {
      const failing: FailingComponent[] = [];
      try {
        await store.ping();
        unreachableSince = undefined;
      } catch (error) {
        log(error);
        unreachableSince ??= clock.now();
        failing.push({ component: 'store', code: 'store.unavailable', since: iso(unreachableSince) });
      }
      const fullSince = store.fullSince();
      if (fullSince !== undefined)
        failing.push({ component: 'store', code: 'storage.full', since: iso(fullSince) });
      const publication = ledger.publication();
      if (publication.unready && publication.failure) {
        const { component, code, since } = publication.failure;
        failing.push({ component, code, since: iso(since) });
      }
      if (publication.stale) {
        failing.push({
          component: 'ledger.publication',
          code: 'ledger.publication_stale',
          since: iso(publication.waitingSince ?? clock.now()),
        });
      }
      return failing;
    },
  };
}

export type Readiness = ReturnType<typeof createReadiness>;

/** One sentence naming every failing part, from the registry's messages: never an error's own text. */
export function describeFailing(failing: readonly FailingComponent[]): string {
  const parts = failing.map((f) => `${f.component}: ${errorCodes[f.code].message} (since ${f.since})`);
  return `Not ready. ${parts.join(' ')}`;
}
