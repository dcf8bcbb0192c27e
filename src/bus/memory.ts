import {
  type Bus,
  type CustosEvent,
  type EventHandler,
  type SubscribeOptions,
  type Subscription,
  topicMatches,
} from '../core/events.js';
import type { Logger } from '../core/logger.js';

interface Consumer {
  pattern: string;
  handler: EventHandler;
  name: string;
  maxDeliveries: number;
  active: boolean;
}

export interface MemoryBusOptions {
  logger: Logger;
  /** Delay before the first redelivery; doubles per attempt, capped at 5 s. */
  retryBaseMs?: number;
}

/**
 * The in-process bus: at-least-once delivery to every subscribed consumer, redelivering when a
 * handler throws. Nothing survives a restart; durability up to the bus comes from the outbox.
 */
export function createMemoryBus(options: MemoryBusOptions): Bus {
  const consumers = new Set<Consumer>();
  const inFlight = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  const retryBaseMs = options.retryBaseMs ?? 100;
  let closed = false;

  function track(work: Promise<void>): void {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  function deliver(consumer: Consumer, event: CustosEvent, attempt: number): void {
    if (!consumer.active || closed) return;
    // The handler runs on a later tick so that publish never waits for consumers.
    const work = Promise.resolve()
      .then(() => consumer.handler(event, { attempt }))
      .catch((error: unknown) => {
        if (attempt >= consumer.maxDeliveries || !consumer.active || closed) {
          options.logger.error(
            { err: error, consumer: consumer.name, topic: event.topic, eventId: event.metadata.uid, attempt },
            'event handler failed; giving up',
          );
          return;
        }
        const delay = Math.min(retryBaseMs * 2 ** (attempt - 1), 5000);
        const timer = setTimeout(() => {
          timers.delete(timer);
          deliver(consumer, event, attempt + 1);
        }, delay);
        timers.add(timer);
      });
    track(work);
  }

  return {
    async publish(event) {
      if (closed) throw new Error('bus is closed');
      for (const consumer of consumers) {
        if (topicMatches(consumer.pattern, event.topic)) {
          deliver(consumer, event, 1);
        }
      }
    },
    async subscribe(pattern, handler, subscribeOptions: SubscribeOptions): Promise<Subscription> {
      const consumer: Consumer = {
        pattern,
        handler,
        name: subscribeOptions.name,
        maxDeliveries: subscribeOptions.maxDeliveries ?? 5,
        active: true,
      };
      consumers.add(consumer);
      return {
        async unsubscribe() {
          consumer.active = false;
          consumers.delete(consumer);
        },
      };
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...inFlight]);
      consumers.clear();
    },
  };
}
