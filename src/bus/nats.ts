import { createHash } from 'node:crypto';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import type { Bus, CustosEvent, EventHandler, SubscribeOptions, Subscription } from '../core/events.js';
import type { Logger } from '../core/logger.js';

export interface NatsBusOptions {
  logger: Logger;
  /** NATS servers, e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** The JetStream stream that holds the events. */
  stream: string;
  /** First token of every subject: `<prefix>.p<partition>.<topic>`. */
  subjectPrefix: string;
  /**
   * Subjects are split by a hash of each event's key into this many partitions. A consumer reads
   * each partition one event at a time, so one entity's events stay in order while the
   * partitions are shared among the nodes.
   */
  partitions: number;
  /** How long the stream keeps events, ms. */
  maxAgeMs: number;
  /** Window in which a second publish of the same event id is dropped, ms. */
  duplicateWindowMs: number;
  /** Copies of the stream in a NATS cluster. */
  replicas: number;
  /** How long a delivery may go unacknowledged before it is redelivered, ms. */
  ackWaitMs: number;
  /** Delay before the first redelivery after a handler throws; doubles per attempt, capped at 30 s. */
  retryBaseMs?: number;
  /** The key an event is partitioned by; `defaultEventKey` when absent. */
  keyOf?: (event: CustosEvent) => string;
  /** The connection's name, as the server lists it (the node). */
  name?: string;
}

/**
 * The entity an event is about, so its events share a partition and stay in order: the account
 * or subject in Custos's payload; for the platform's OCSF events the user (a call's callee: the
 * person a targeted call reaches); else the actor; else the event itself.
 */
export function defaultEventKey(event: CustosEvent): string {
  const payload: Record<string, unknown> = event.unmapped ?? {};
  for (const field of ['account', 'subject', 'subjectId', 'user', 'userId']) {
    const value = payload[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  const ocsf = event as unknown as { user?: { uid?: unknown }; callee?: { uid?: unknown } };
  for (const uid of [ocsf.user?.uid, ocsf.callee?.uid, event.actor?.user?.uid]) {
    if (typeof uid === 'string' && uid !== '') return uid;
  }
  return event.metadata.uid;
}

/** FNV-1a over the key's UTF-16 units: stable across nodes and releases. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

// A topic's tokens as NATS allows them in a subject: no wildcards, spaces or empty tokens.
const topicPattern = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** The subject filter of a bus pattern (`*`, `prefix.*` or a topic) within one partition. */
function filterOf(prefix: string, partition: number, pattern: string): string {
  const base = `${prefix}.p${partition}`;
  if (pattern === '*') return `${base}.>`;
  if (pattern.endsWith('.*') && topicPattern.test(pattern.slice(0, -2)))
    return `${base}.${pattern.slice(0, -2)}.>`;
  if (topicPattern.test(pattern)) return `${base}.${pattern}`;
  throw new Error(`not a bus pattern: ${JSON.stringify(pattern)}`);
}

/** A durable consumer name from a subscriber's name: NATS allows no dots, spaces or wildcards. */
function durableOf(name: string, partition: number): string {
  const slug = name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40);
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${slug}-${digest}-p${partition}`;
}

/** Creates the stream, or brings an existing one to these settings. */
async function ensureStream(jsm: JetStreamManager, options: NatsBusOptions): Promise<void> {
  const config: Partial<StreamConfig> & { name: string } = {
    name: options.stream,
    subjects: [`${options.subjectPrefix}.>`],
    storage: StorageType.File,
    max_age: nanos(options.maxAgeMs),
    duplicate_window: nanos(options.duplicateWindowMs),
    num_replicas: options.replicas,
  };
  try {
    await jsm.streams.info(options.stream);
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.status !== 404) throw error;
    await jsm.streams.add(config);
    return;
  }
  const { name, storage: _storage, ...changeable } = config;
  await jsm.streams.update(name, changeable);
}

/**
 * The bus on NATS JetStream: every event is stored in one stream (file storage) before `publish`
 * resolves, under `<prefix>.p<partition>.<topic>`; a second publish of the same event id within
 * the duplicate window is dropped by the server. Each subscription is a set of durable pull
 * consumers, one per partition, created once and shared by every node that subscribes under the
 * same name: each event reaches one node per name, one at a time per partition, and is
 * acknowledged only once its handler resolves. A handler that throws gets the event again after
 * a backoff, up to `maxDeliveries`, then the event is terminated and logged. A consumer created
 * now starts with the events published from now; once created, it resumes where it stopped, so
 * nothing acknowledged to a publisher is lost across restarts of Custos or of NATS.
 */
export async function createNatsBus(options: NatsBusOptions): Promise<Bus> {
  const { logger } = options;
  const keyOf = options.keyOf ?? defaultEventKey;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const nc: NatsConnection = await connect({
    servers: options.servers,
    name: options.name ?? 'custos',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, options);
  const js: JetStreamClient = jetstream(nc);
  const streams = new Set<ConsumerMessages>();
  const inFlight = new Set<Promise<void>>();
  const encoder = new TextEncoder();
  let closed = false;

  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        logger.warn(
          { status: status.type, server: 'server' in status ? status.server : undefined },
          'NATS connection',
        );
      }
    }
  })();

  async function handle(message: JsMsg, handler: EventHandler, name: string, maxDeliveries: number) {
    const attempt = message.info.deliveryCount;
    let event: CustosEvent;
    try {
      event = message.json<CustosEvent>();
    } catch (error) {
      logger.error(
        { err: error, consumer: name, subject: message.subject },
        'unreadable event on the bus; dropped',
      );
      message.term('unreadable');
      return;
    }
    try {
      await handler(event, { attempt });
    } catch (error) {
      try {
        if (closed) return;
        if (attempt >= maxDeliveries) {
          logger.error(
            { err: error, consumer: name, topic: event.topic, eventId: event.metadata.uid, attempt },
            'event handler failed; giving up',
          );
          message.term('handler failed');
        } else message.nak(Math.min(retryBaseMs * 2 ** (attempt - 1), 30_000));
      } catch {
        // The connection is gone: the server redelivers once the ack wait passes.
      }
      return;
    }
    // Confirmed by the server, so a handled event is not handled again after a restart; when the
    // confirmation is lost, the event comes again (handlers are idempotent on its id).
    await message.ackAck().catch((error: unknown) => {
      logger.warn(
        { err: error, consumer: name, eventId: event.metadata.uid },
        'acknowledgement not confirmed',
      );
    });
  }

  async function consumePartition(
    durable: string,
    handler: EventHandler,
    name: string,
    maxDeliveries: number,
  ): Promise<ConsumerMessages> {
    const consumer = await js.consumers.get(options.stream, durable);
    // Short pulls, so a consumer finds its way back within seconds of NATS restarting.
    const messages = await consumer.consume({ max_messages: 1, expires: 5_000 });
    streams.add(messages);
    void (async () => {
      for await (const message of messages) {
        const work = handle(message, handler, name, maxDeliveries);
        inFlight.add(work);
        try {
          await work;
        } finally {
          inFlight.delete(work);
        }
      }
    })().catch((error: unknown) => {
      if (!closed) logger.error({ err: error, consumer: name }, 'bus consumer stopped');
    });
    return messages;
  }

  return {
    async publish(event) {
      if (closed) throw new Error('bus is closed');
      if (!topicPattern.test(event.topic)) throw new Error(`not a bus topic: ${JSON.stringify(event.topic)}`);
      const partition = partitionOf(keyOf(event), options.partitions);
      await js.publish(
        `${options.subjectPrefix}.p${partition}.${event.topic}`,
        encoder.encode(JSON.stringify(event)),
        {
          msgID: event.metadata.uid,
        },
      );
    },

    async subscribe(pattern, handler, subscribeOptions: SubscribeOptions): Promise<Subscription> {
      if (closed) throw new Error('bus is closed');
      const maxDeliveries = subscribeOptions.maxDeliveries ?? 5;
      const mine: ConsumerMessages[] = [];
      for (let partition = 0; partition < options.partitions; partition++) {
        const durable = durableOf(subscribeOptions.name, partition);
        const config = {
          durable_name: durable,
          filter_subject: filterOf(options.subjectPrefix, partition, pattern),
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.New,
          ack_wait: nanos(options.ackWaitMs),
          max_deliver: maxDeliveries,
          // One event at a time per partition, across every node: the order of one key holds.
          max_ack_pending: 1,
        };
        try {
          await jsm.consumers.info(options.stream, durable);
          const { deliver_policy: _policy, durable_name: _name, ...changeable } = config;
          await jsm.consumers.update(options.stream, durable, changeable);
        } catch (error) {
          if (!(error instanceof JetStreamApiError) || error.status !== 404) throw error;
          await jsm.consumers.add(options.stream, config);
        }
        mine.push(await consumePartition(durable, handler, subscribeOptions.name, maxDeliveries));
      }
      return {
        async unsubscribe() {
          for (const messages of mine) {
            await messages.close();
            streams.delete(messages);
          }
        },
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const messages of streams) messages.stop();
      await Promise.allSettled([...inFlight]);
      await nc.drain().catch(() => nc.close());
    },
  };
}
