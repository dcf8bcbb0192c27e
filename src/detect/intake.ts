import type { Clock } from '../core/clock.js';
import type { CustosEvent } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { OcsfProblem, OcsfSchema } from './ocsf.js';

export interface IntakeSettings {
  /** Events older than this (by their `time`) are refused, ms. */
  maxAgeMs: number;
  /** Events further ahead of this node's clock than this are refused, ms. */
  maxAheadMs: number;
}

export interface IntakeResult {
  accepted: number;
  /** Repeats of an event id earlier in the same batch: accepted once. */
  duplicates: number;
  rejected: { index: number; problems: OcsfProblem[] }[];
}

/**
 * The platform's events in: each one checked against its OCSF class (ocsf.ts) and its time
 * against this node's clock, then put on the bus under `platform.<class>` (the entity key is its
 * user or actor). The bus drops a second publish of the same `metadata.uid` within its window; a
 * batch's own repeats are dropped here. Bad events are refused one by one with their problems,
 * and never stop the rest of the batch.
 */
export function createEventIntake(deps: {
  schema: OcsfSchema;
  clock: Clock;
  settings: IntakeSettings;
  publish: (event: CustosEvent) => Promise<void>;
}) {
  const { schema, clock, settings } = deps;
  const stats = { accepted: 0, duplicates: 0, rejected: 0 };
  return {
    async ingest(events: readonly unknown[]): Promise<IntakeResult> {
      const now = clock.now();
      const result: IntakeResult = { accepted: 0, duplicates: 0, rejected: [] };
      const seen = new Set<string>();
      const ready: CustosEvent[] = [];
      for (const [index, raw] of events.entries()) {
        const problems = schema.check(raw);
        const event = raw as Record<string, unknown> & { metadata?: Record<string, unknown>; time?: unknown };
        if (problems.length === 0 && typeof event.time === 'number') {
          if (event.time < now - settings.maxAgeMs) {
            problems.push({
              path: 'time',
              message: `older than ${Math.round(settings.maxAgeMs / 86_400_000)} days`,
            });
          } else if (event.time > now + settings.maxAheadMs) {
            problems.push({
              path: 'time',
              message: `more than ${Math.round(settings.maxAheadMs / 1000)} s ahead of Custos's clock`,
            });
          }
        }
        if (problems.length > 0) {
          result.rejected.push({ index, problems });
          continue;
        }
        const metadata = { ...(event.metadata as Record<string, unknown>) };
        if (typeof metadata.uid !== 'string' || metadata.uid === '') metadata.uid = newId('evt', clock);
        const uid = metadata.uid as string;
        if (seen.has(uid)) {
          result.duplicates++;
          continue;
        }
        seen.add(uid);
        const known = schema.classes.get(event.class_uid as number);
        ready.push({
          ...event,
          topic: `platform.${known?.name ?? 'event'}`,
          metadata,
        } as unknown as CustosEvent);
      }
      // In order, so one entity's events reach the bus as they came.
      for (const event of ready) {
        await deps.publish(event);
        result.accepted++;
      }
      stats.accepted += result.accepted;
      stats.duplicates += result.duplicates;
      stats.rejected += result.rejected.length;
      return result;
    },
    stats: () => ({ ...stats }),
  };
}

export type EventIntake = ReturnType<typeof createEventIntake>;
