import type { CustosEvent } from '../core/events.js';
import type { LedgerRecord } from './entry.js';
import type { Ledger } from './ledger.js';

/**
 * The record an event becomes on the ledger: its topic as the type, its event id as the id, and
 * as body the time, the actor and the event's payload (never its human-readable message, which
 * may change wording between versions).
 */
export function eventRecord(event: CustosEvent): LedgerRecord {
  return {
    type: event.topic,
    id: event.metadata.uid,
    body: { at: event.time, actor: event.actor?.user?.uid ?? null, ...event.unmapped },
  };
}

/**
 * Appends an event's record unless it is there already: the outbox delivers at least once, so a
 * crash after the append but before the delivery was marked must not log it twice.
 */
export async function appendEventRecord(
  ledger: Pick<Ledger, 'append' | 'record'>,
  event: CustosEvent,
): Promise<number | undefined> {
  const record = eventRecord(event);
  if (await ledger.record(record.type, record.id)) return undefined;
  const { index } = await ledger.append(record);
  return index;
}
