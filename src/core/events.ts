import type { Clock } from './clock.js';
import { newId } from './ids.js';

/**
 * The event envelope: OCSF-aligned (https://schema.ocsf.io, v1.8.0) so that events leave Custos in
 * a form SIEMs already read. Custos-specific fields live in `unmapped`, as OCSF prescribes.
 */
export interface CustosEvent<P extends Record<string, unknown> = Record<string, unknown>> {
  /** Routing key, dotted, domain first: `identity.user.created`, `access.grant.approved`. */
  topic: string;
  /** OCSF class_uid, e.g. 3001 Account Change, 3002 Authentication, 6003 API Activity. */
  class_uid: number;
  category_uid: number;
  activity_id: number;
  /** OCSF: class_uid * 100 + activity_id. */
  type_uid: number;
  /** OCSF severity_id: 0 unknown, 1 informational … 5 critical, 6 fatal. */
  severity_id: number;
  /** Event time, milliseconds since the epoch (OCSF `timestamp_t`). */
  time: number;
  message: string;
  metadata: {
    uid: string;
    version: string;
    product: { name: string; vendor_name: string };
    correlation_uid?: string;
  };
  actor?: { user?: { uid: string; name?: string; type?: string } };
  unmapped: P;
}

export const ocsfVersion = '1.8.0';

/** Builds an envelope with the OCSF derived fields filled in. */
export function createEvent<P extends Record<string, unknown>>(input: {
  uid: string;
  topic: string;
  classUid: number;
  activityId: number;
  severityId?: number;
  time: number;
  message: string;
  actor?: CustosEvent['actor'];
  correlationUid?: string;
  payload: P;
}): CustosEvent<P> {
  const metadata: CustosEvent['metadata'] = {
    uid: input.uid,
    version: ocsfVersion,
    product: { name: 'Custos', vendor_name: 'Custos' },
  };
  if (input.correlationUid) metadata.correlation_uid = input.correlationUid;
  const event: CustosEvent<P> = {
    topic: input.topic,
    class_uid: input.classUid,
    // An extension class (extension uid × 100000 + category × 1000 + n) keeps its category too.
    category_uid: Math.floor((input.classUid % 100_000) / 1000),
    activity_id: input.activityId,
    type_uid: input.classUid * 100 + input.activityId,
    severity_id: input.severityId ?? 1,
    time: input.time,
    message: input.message,
    metadata,
    unmapped: input.payload,
  };
  if (input.actor) event.actor = input.actor;
  return event;
}

/** What a handler receives besides the event: how often it was delivered. */
export interface Delivery {
  attempt: number;
}

/**
 * A handler acknowledges by resolving; throwing asks for redelivery (at-least-once), so handlers
 * must be idempotent on `metadata.uid`.
 */
export type EventHandler = (event: CustosEvent, delivery: Delivery) => Promise<void>;

export interface Subscription {
  unsubscribe(): Promise<void>;
}

export interface SubscribeOptions {
  /** Durable consumer name; one delivery per name per event. */
  name: string;
  /** Attempts before an event is given up on for this consumer. */
  maxDeliveries?: number;
}

/** The event bus: in-process by default, NATS JetStream in production. */
export interface Bus {
  /** Resolves once the bus has accepted the event (persisted, for durable implementations). */
  publish(event: CustosEvent): Promise<void>;
  /** `pattern` is a topic, a prefix ending in `.*`, or `*` for everything. */
  subscribe(pattern: string, handler: EventHandler, options: SubscribeOptions): Promise<Subscription>;
  /** Waits for in-flight deliveries, then stops. */
  close(): Promise<void>;
}

/** True when `topic` is selected by `pattern` (`*`, `prefix.*`, or the exact topic). */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return topic.startsWith(pattern.slice(0, -1));
  return pattern === topic;
}

/** OCSF 1.8.0 classes Custos emits: Identity & Access Management (3), and API Activity (6003). */
export const ocsfClass = {
  accountChange: 3001,
  authentication: 3002,
  userAccessManagement: 3005,
  /** A contact-discovery check is a read through the platform's API (activity 2, Read). */
  apiActivity: 6003,
} as const;

/** What a domain says of an event; the builder adds its id, time and the OCSF derived fields. */
export interface DomainEventInput {
  topic: string;
  classUid: number;
  activityId: number;
  message: string;
  actorId?: string | undefined;
  severityId?: number;
  payload: Record<string, unknown>;
}

/**
 * The one builder of Custos events: an id and the time from the clock, the actor as OCSF puts
 * it, and the domain's payload in `unmapped`. Domains choose the class and activity.
 */
export function domainEvent(clock: Clock, input: DomainEventInput): CustosEvent {
  return createEvent({
    uid: newId('evt', clock),
    topic: input.topic,
    classUid: input.classUid,
    activityId: input.activityId,
    severityId: input.severityId ?? 1,
    time: clock.now(),
    message: input.message,
    ...(input.actorId ? { actor: { user: { uid: input.actorId } } } : {}),
    payload: input.payload,
  });
}
