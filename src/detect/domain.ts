import { fileURLToPath } from 'node:url';
import type { Clock } from '../core/clock.js';
import type { Bus, Subscription } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Store } from '../store/store.js';
import { createAlertGrouper, type Raised } from './alerts.js';
import { type AlertStore, createAlertStore } from './alerts.store.js';
import { createBaselines } from './baselines.js';
import { createDetector } from './detector.js';
import { createRuleEngine, loadRules } from './sigma/index.js';

/** The rule pack shipped with Custos (`rules/` at the package root). */
export const shippedRules = fileURLToPath(new URL('../../rules/', import.meta.url));

/** Event ids remembered to drop a redelivery (the bus delivers at least once). */
const recentIds = 100_000;

/**
 * Live detection: the detector as a consumer of every event on the bus, its alerts kept by the
 * alert store. Rules load from the shipped pack; a rule with a problem is left out with a warning
 * and the others run. Correlation windows and baselines are held in this process and start empty.
 */
export async function createDetectDomain(deps: {
  store: Store;
  ledger: Ledger;
  clock: Clock;
  logger: Logger;
  bus: Bus;
  rules?: string;
}) {
  const { store, ledger, clock, logger, bus } = deps;
  const loaded = await loadRules(deps.rules ?? shippedRules);
  for (const issue of loaded.errors) {
    logger.warn({ file: issue.file, line: issue.line }, `rule left out: ${issue.message}`);
  }
  const stored = createAlertStore({ store, ledger, clock });
  const grouper = createAlertGrouper({ newId: () => newId('alr', clock) });
  const detector = createDetector({
    engine: createRuleEngine(loaded.rules),
    grouper,
    baselines: createBaselines(),
  });
  const alerts: AlertStore = {
    ...stored,
    async setStatus(id, change, by) {
      const alert = await stored.setStatus(id, change, by);
      // This node stops grouping into a closed alert. Another node may still group repeats into it
      // until its window passes (issue 15 shares detection state).
      grouper.setStatus(id, alert.status);
      return alert;
    },
  };
  const seen = new Set<string>();
  const unsaved = new Map<string, Raised[]>();
  let subscription: Subscription | undefined;

  return {
    services: { alerts, detector, detectRules: loaded.rules },
    /** Subscribes to the bus; an alert that cannot be kept asks for the event again. */
    async start(): Promise<void> {
      subscription = await bus.subscribe(
        '*',
        async (event) => {
          // Every Custos event has an id (createEvent, the intake); one without is never deduplicated.
          const uid = event.metadata?.uid ?? '';
          // A redelivery after a failed save keeps only the saves still owed: the detector has
          // already counted the event, and counting it again would double its windows.
          let owed = uid === '' ? undefined : unsaved.get(uid);
          if (!owed) {
            if (uid !== '') {
              if (seen.has(uid)) return;
              seen.add(uid);
              if (seen.size > recentIds) seen.delete(seen.values().next().value as string);
            }
            owed = detector.process(event);
          }
          while (owed.length > 0) {
            try {
              await alerts.save(owed[0] as Raised);
            } catch (error) {
              if (uid !== '') unsaved.set(uid, owed);
              throw error;
            }
            owed.shift();
          }
          unsaved.delete(uid);
        },
        { name: 'detect' },
      );
    },
    async stop(): Promise<void> {
      await subscription?.unsubscribe();
    },
  };
}

export type DetectServices = Awaited<ReturnType<typeof createDetectDomain>>['services'];
