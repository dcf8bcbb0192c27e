import type { AuthEvent, DeviceType, Features } from '../../src/ato/types.js';

/** What a test says of a session; everything left out is absent. */
export interface Session {
  ip?: string;
  subnet?: string;
  asn?: number;
  country?: string;
  latitude?: number;
  longitude?: number;
  agent?: string;
  browser?: string;
  os?: string;
  deviceType?: DeviceType;
  hour?: number;
  kind?: 'public' | 'private';
}

/** Enrichment's output for a session, as the model reads it. */
export function sessionFeatures(s: Session): Features {
  return {
    ip: {
      kind: s.kind ?? 'public',
      ...(s.ip !== undefined && { address: s.ip, version: 4 as const }),
      ...(s.subnet !== undefined && { subnet: s.subnet }),
      ...(s.asn !== undefined && { asn: s.asn }),
      ...(s.country !== undefined && { country: s.country }),
      ...(s.latitude !== undefined && { latitude: s.latitude }),
      ...(s.longitude !== undefined && { longitude: s.longitude }),
      hosting: false,
    },
    phone: { status: 'absent' },
    agent: {
      status: s.agent === undefined ? 'absent' : 'parsed',
      ...(s.agent !== undefined && { agent: s.agent }),
      ...(s.browser !== undefined && { browser: s.browser }),
      ...(s.os !== undefined && { os: s.os }),
      ...(s.deviceType !== undefined && { deviceType: s.deviceType }),
    },
    hour: s.hour ?? 12,
  };
}

/** A successful login of `account` at `time`. */
export function login(account: string, time: number, extra: Partial<AuthEvent> = {}): AuthEvent {
  return { type: 'login', time, account, outcome: 'success', ...extra };
}
