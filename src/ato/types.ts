import type { Reason } from '../core/decision.js';
import type { IpKind } from '../core/ip.js';
import type { PhoneFeatures } from '../core/phone.js';

export type { IpKind } from '../core/ip.js';
export type { PhoneFeatures, PhoneType } from '../core/phone.js';

/**
 * The contract between the parts of the takeover defence: what the platform reports (AuthEvent),
 * what enrichment derives from it (Features), what Custos remembers of an account
 * (AccountHistory), and what it answers (Assessment). Times are milliseconds since the epoch, and
 * always the event's own time, never the wall clock, so a replayed log decides as live traffic did.
 */

export const authEventTypes = [
  'registration_start',
  'otp_request',
  'otp_verify',
  'pin_verify',
  'login',
  'device_link',
  'sim_change',
  'session_revoked',
] as const;
export type AuthEventType = (typeof authEventTypes)[number];

/** Carrier signals the platform may pass on (from a carrier API or the client). */
export interface CarrierSignals {
  /** When the number's SIM was last swapped. */
  simSwapAt?: number;
  /** When the number was last ported out to another carrier. */
  portOutAt?: number;
}

/** One authentication event as the platform reports it. */
export interface AuthEvent {
  /** The platform's id for the event; a repeated id is answered with the first decision. */
  eventId?: string;
  type: AuthEventType;
  /** Event time. */
  time: number;
  /** The platform's account id; absent when a number registers for the first time. */
  account?: string;
  /** Phone number as sent (E.164 expected; anything else becomes a reason, not an error). */
  phone?: string;
  device?: string;
  ip?: string;
  userAgent?: string;
  appVersion?: string;
  locale?: string;
  /**
   * For otp_verify, pin_verify and login: whether the code, PIN or credential was right, as the
   * platform found it. Absent means "may this attempt be made?" and counts nothing.
   */
  outcome?: 'success' | 'failure';
  carrier?: CarrierSignals;
}

/** What an IP address tells: kind, place and network. */
export interface IpFeatures {
  kind: IpKind;
  version?: 4 | 6;
  /** Normalised text form. */
  address?: string;
  /** The /24 (IPv4) or /48 (IPv6) the address belongs to, as CIDR text. */
  subnet?: string;
  /** ISO 3166-1 alpha-2. */
  country?: string;
  region?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
  asn?: number;
  asOrganization?: string;
  /** The network looks like a hosting, cloud or VPN provider rather than an access network. */
  hosting: boolean;
}

export type DeviceType =
  | 'mobile'
  | 'tablet'
  | 'desktop'
  | 'console'
  | 'smarttv'
  | 'wearable'
  | 'embedded'
  | 'bot';

/** What a user agent string tells. */
export interface AgentFeatures {
  status: 'parsed' | 'unparsed' | 'absent';
  /** The whole string, trimmed and capped, as the model's finest user-agent feature. */
  agent?: string;
  /** Browser or app name with its major version, e.g. `Chrome 120`. */
  browser?: string;
  /** Operating system with its major version, e.g. `Android 14`. */
  os?: string;
  /** Absent when the string does not say. */
  deviceType?: DeviceType;
}

/** Everything enrichment derives from one event. */
export interface Features {
  ip: IpFeatures;
  phone: PhoneFeatures;
  agent: AgentFeatures;
  /** Hour of the event's time, 0-23, UTC. */
  hour: number;
}

/** A device Custos has seen on an account. */
export interface KnownDevice {
  id: string;
  firstSeen: number;
  lastSeen: number;
  country?: string;
}

/**
 * What Custos remembers of one account, bounded: frequency tables of recent feature values for
 * the model, and the few facts the rules need. Stored as JSON per account.
 */
export interface AccountHistory {
  account: string;
  /** Events that entered the frequency tables (the account's own login count for the model). */
  observations: number;
  firstSeen: number;
  lastSeen: number;
  /**
   * Frequency tables per model feature (`ip`, `subnet`, `asn`, `country`, `agent`, `browser`,
   * `os`, `deviceType`, `hour`): value to count, each table capped in size.
   */
  tables: Record<string, Record<string, number>>;
  /** Recent devices, most recent last, capped. */
  devices: KnownDevice[];
  /** Where and when the account was last active, for impossible travel. */
  lastLocation?: { time: number; latitude: number; longitude: number; country?: string };
  /** The device currently registered to the account and when it was last active on it. */
  activeDevice?: { id: string; lastActive: number };
  /** The account has a two-step PIN (learnt from successful pin_verify events). */
  pinEnabled?: boolean;
  /** Latest carrier signals seen for the account's number. */
  simSwapAt?: number;
  portOutAt?: number;
  /** When the owner last confirmed or disputed a takeover, if ever. */
  takeoverConfirmedAt?: number;
}

export type AtoVerdict = 'allow' | 'challenge' | 'deny' | 'lock_device';
export type Challenge = 'pin' | 'old_device_approval' | 'captcha' | 'wait';
export type AtoAction = 'revoke_other_sessions' | 'notify_user' | 'start_recovery';

/** One reason behind an assessment; `contribution` is its share of the score (may be 0 or negative). */
export type AtoReason = Reason & { contribution: number };

/** The answer to one event. */
export interface Assessment {
  decision: AtoVerdict;
  challenges?: Challenge[];
  /** When the decision is wait-like: how long until the same attempt could pass. */
  retryAfterMs?: number;
  /** The sum of the reasons' contributions; higher is riskier. */
  score: number;
  reasons: AtoReason[];
  actions: AtoAction[];
}

/**
 * What a rule may impose beyond its score: the strongest outcome among all rules and the score
 * thresholds wins (lock_device > deny > challenge > allow).
 */
export interface RuleVerdict {
  decision: Exclude<AtoVerdict, 'allow'>;
  challenges?: Challenge[];
  retryAfterMs?: number;
}

/** What the rules found for one event. */
export interface RuleFindings {
  reasons: AtoReason[];
  verdicts: RuleVerdict[];
  actions: AtoAction[];
}

/**
 * Enrichment facts the caller already holds (a replayed log's own country and ASN columns); they
 * take precedence over the lookups.
 */
export interface KnownFacts {
  ip?: Partial<IpFeatures>;
  agent?: Partial<AgentFeatures>;
}

/** Anything that answers events: the in-process service, or the SDK against a server. */
export interface Assessor {
  assess(event: AuthEvent, facts?: KnownFacts): Promise<Assessment>;
}
