import { createHash } from 'node:crypto';
import type { AtoRulesConfig } from '../core/config.ato.rules.js';
import type { CounterOp, ResultOf } from '../limits/index.js';
import type { AccountHistory, AtoAction, AtoReason, AuthEvent, Features, RuleVerdict } from './types.js';

/** What every rule sees of one event, with the identifiers already made safe for counter keys. */
export interface RuleContext {
  event: AuthEvent;
  features: Features;
  history: AccountHistory | undefined;
  config: AtoRulesConfig;
  time: number;
  /** The number attempts are counted against: E.164 when it parsed, else the raw text (hashed). */
  numberKey?: string;
  /** The account PIN attempts are counted against: the account id, else the number. */
  accountKey?: string;
  deviceKey: string;
  ipKey: string;
  /** The device is on the account (history.devices or the active device). */
  knownDevice: boolean;
  /** The account's registered device, when used within registration.activeWindow of the event. */
  active?: { id: string; lastActive: number };
}

/** Events a person's client sends; carrier notices and revocations say nothing about who is there. */
export const clientEvents: ReadonlySet<string> = new Set([
  'registration_start',
  'otp_request',
  'otp_verify',
  'pin_verify',
  'login',
  'device_link',
]);

/** What the rules found so far for one event. */
export interface Findings {
  reasons: AtoReason[];
  verdicts: RuleVerdict[];
  actions: AtoAction[];
}

/** Collects a batch's ops; each add returns a reader of that op's result once the batch has run. */
export interface Batch {
  add<O extends CounterOp>(op: O): () => ResultOf<O>;
}

/**
 * One concern's rules: it adds the counter ops it needs to the batch and returns what to do with
 * their results, or nothing when the event does not concern it.
 */
export type Rule = (ctx: RuleContext, batch: Batch) => ((findings: Findings) => void) | undefined;

// Identifiers as the platform sent them go into counter keys only in this plain form; anything
// else (long, odd characters, not a string) is replaced by a hash, so no input can forge a key.
const plainPart = /^[A-Za-z0-9+._@:/-]{1,100}$/;
/** Marks an absent identifier; outside plainPart and the hash form, so it names nothing else. */
export const absentPart = '!';

/** An identifier as a piece of a counter key: itself when plain, `#` and a hash otherwise. */
export function keyPart(value: unknown): string {
  if (typeof value === 'string' && plainPart.test(value)) return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return `#${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

/** Joins key pieces; `~` is outside plainPart and the hash form, so joins cannot collide. */
export const counterKey = (...parts: string[]): string => parts.join('~');

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;

/** True when the device is one the account has used: its active device or a recent one. */
export function isKnownDevice(history: AccountHistory | undefined, device: string | undefined): boolean {
  if (!history || !nonEmpty(device)) return false;
  if (history.activeDevice?.id === device) return true;
  return Array.isArray(history.devices) && history.devices.some((known) => known?.id === device);
}

/** The account's registered device if it was used within `windowMs` before (or after) `time`. */
export function activeDevice(
  history: AccountHistory | undefined,
  time: number,
  windowMs: number,
): { id: string; lastActive: number } | undefined {
  const active = history?.activeDevice;
  if (!active || !nonEmpty(active.id) || !Number.isFinite(active.lastActive)) return undefined;
  return time - active.lastActive <= windowMs ? active : undefined;
}

/** Builds the context of one event. */
export function ruleContext(
  event: AuthEvent,
  features: Features,
  history: AccountHistory | undefined,
  config: AtoRulesConfig,
): RuleContext {
  const phone = features?.phone;
  const e164 = phone?.status === 'valid' && nonEmpty(phone.e164) ? phone.e164 : undefined;
  const rawPhone = nonEmpty(event.phone) ? event.phone.trim() : undefined;
  const number = e164 ?? rawPhone;
  const numberKey = number === undefined ? undefined : keyPart(number);
  const account = nonEmpty(event.account) ? keyPart(event.account) : undefined;
  const ip = features?.ip?.address ?? (nonEmpty(event.ip) ? event.ip.trim() : undefined);
  const active = activeDevice(history, event.time, config.registration.activeWindow);
  return {
    event,
    features,
    history,
    config,
    time: event.time,
    ...(numberKey === undefined ? {} : { numberKey }),
    ...((account ?? numberKey) ? { accountKey: (account ?? numberKey) as string } : {}),
    deviceKey: nonEmpty(event.device) ? keyPart(event.device) : absentPart,
    ipKey: ip === undefined ? absentPart : keyPart(ip),
    knownDevice: isKnownDevice(history, event.device),
    ...(active ? { active } : {}),
  };
}

/** Exponential backoff as a pace schedule: `free` zero waits, then base, 2·base … capped at max. */
export function backoffDelays(backoff: { free: number; base: number; max: number }): number[] {
  const delays: number[] = Array.from({ length: Math.max(0, backoff.free - 1) }, () => 0);
  let wait = backoff.base;
  // The schedule's last entry repeats, so it ends at the first wait that reaches max.
  while (delays.length < 32) {
    delays.push(Math.min(wait, backoff.max));
    if (wait >= backoff.max) break;
    wait *= 2;
  }
  return delays;
}

/** Milliseconds as a short text for messages (`90 s`, `5 min`, `2 h`). */
export function spoken(ms: number): string {
  if (ms < 120_000) return `${Math.ceil(ms / 1000)} s`;
  if (ms < 2 * 3_600_000) return `${Math.ceil(ms / 60_000)} min`;
  return `${Math.ceil(ms / 3_600_000)} h`;
}
