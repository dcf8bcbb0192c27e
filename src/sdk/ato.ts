import type { CallOptions } from './options.js';
import type { Requester } from './transport.js';

export type AuthEventType =
  | 'registration_start'
  | 'otp_request'
  | 'otp_verify'
  | 'pin_verify'
  | 'login'
  | 'device_link'
  | 'sim_change'
  | 'session_revoked';

/** One authentication event, as the platform saw it. Times are epoch milliseconds. */
export interface AuthEventInput {
  /** Your id for the event; sending it again returns the first answer instead of counting twice. */
  eventId?: string;
  type: AuthEventType;
  time: number;
  account?: string;
  /** E.164, e.g. `+447700900123`. */
  phone?: string;
  device?: string;
  ip?: string;
  userAgent?: string;
  appVersion?: string;
  locale?: string;
  /** For otp_verify, pin_verify and login: what you found. Honour a correct code only on `allow`. */
  outcome?: 'success' | 'failure';
  carrier?: { simSwapAt?: number; portOutAt?: number };
}

export interface AuthAssessment {
  /** `atd_…`; the ledger record `ato.decision` with this id holds the whole answer. */
  id: string;
  duplicate: boolean;
  decision: 'allow' | 'challenge' | 'deny' | 'lock_device';
  challenges?: ('pin' | 'old_device_approval' | 'captcha' | 'wait')[];
  /** Seconds until the same attempt could pass. */
  retryAfter?: number;
  score: number;
  reasons: { code: string; message: string; contribution: number }[];
  actions: ('revoke_other_sessions' | 'notify_user' | 'start_recovery')[];
}

export type TakeoverMethod =
  | 'sim_swap'
  | 'code_phishing'
  | 'code_brute_force'
  | 'credential_replay'
  | 'social_engineering'
  | 'malware'
  | 'other'
  | 'unknown';

export interface TakeoverReportInput {
  account: string;
  phone?: string;
  happenedAt: number;
  /** The id of the event that let the attacker in, as sent to `assess`. */
  eventId?: string;
  method?: TakeoverMethod;
  note?: string;
}

export interface ConfirmedTakeover {
  id: string;
  account: string;
  phone: string | null;
  happenedAt: number;
  reportedAt: number;
  eventId: string | null;
  method: TakeoverMethod;
  note: string | null;
  reporter: string;
}

/** Events per batch call; the server's `ato.batchMax` default. */
export const assessBatchSize = 1000;

export interface AtoResource {
  /** Assesses one event (needs the `ato.assess` scope). A failure tells nothing: apply your outage policy. */
  assess(event: AuthEventInput, options?: CallOptions): Promise<AuthAssessment>;
  /** Assesses many events in order (a log replay), in calls of up to 1,000; answered in order. */
  assessBatch(events: AuthEventInput[], options?: CallOptions): Promise<AuthAssessment[]>;
  /** Reports a confirmed takeover (needs `ato.takeovers.write`). */
  reportTakeover(input: TakeoverReportInput, options?: CallOptions): Promise<ConfirmedTakeover>;
}

/** The takeover defence (routes in src/api/routes/ato.routes.ts). */
export function atoResource(request: Requester): AtoResource {
  return {
    assess: (event, options) => request('POST', '/v1/auth/assess', { body: event, call: options }),
    async assessBatch(events, options) {
      const results: AuthAssessment[] = [];
      for (let i = 0; i < events.length; i += assessBatchSize) {
        const answer = await request<{ results: AuthAssessment[] }>('POST', '/v1/auth/assess/batch', {
          body: { events: events.slice(i, i + assessBatchSize) },
          call: options,
        });
        results.push(...answer.results);
      }
      return results;
    },
    reportTakeover: (input, options) => request('POST', '/v1/auth/takeovers', { body: input, call: options }),
  };
}
