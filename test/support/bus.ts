import { Writable } from 'node:stream';
import type { Clock } from '../../src/core/clock.js';
import { type CustosEvent, createEvent } from '../../src/core/events.js';
import { newId } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';

/** An event of `topic` with this payload, as the bus tests publish them. */
export function testEvent(clock: Clock, topic: string, payload: Record<string, unknown> = {}): CustosEvent {
  return createEvent({
    uid: newId('evt', clock),
    topic,
    classUid: 3001,
    activityId: 1,
    time: clock.now(),
    message: `test event ${topic}`,
    payload,
  });
}

/** A logger at `error` whose lines land in `lines`, parsed. */
export function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'error', pretty: false, destination }), lines };
}
