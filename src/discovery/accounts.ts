import type { StateCodec } from '../store/account-state.js';
import { createFingerprintSet, decodeFingerprints, encodeFingerprints } from './seen.js';
import type { DiscoveryAccount } from './types.js';

/** A fresh account: nothing looked up, the whole allowance. */
export function newDiscoveryAccount(account: string, now: number): DiscoveryAccount {
  return {
    account,
    seen: createFingerprintSet(),
    quotaTat: 0,
    answered: 0,
    registered: 0,
    firstSeen: now,
    lastSeen: now,
  };
}

interface Stored {
  v: 1;
  seen: string;
  quotaTat: number;
  answered: number;
  registered: number;
  firstSeen: number;
  lastSeen: number;
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The stored form: JSON with the fingerprints as base64. */
export const discoveryAccountCodec: StateCodec<DiscoveryAccount> = {
  encode(state) {
    const stored: Stored = {
      v: 1,
      seen: encodeFingerprints(state.seen),
      quotaTat: state.quotaTat,
      answered: state.answered,
      registered: state.registered,
      firstSeen: state.firstSeen,
      lastSeen: state.lastSeen,
    };
    return JSON.stringify(stored);
  },
  decode(account, json) {
    let stored: Partial<Stored>;
    try {
      stored = JSON.parse(json) as Partial<Stored>;
    } catch {
      return undefined;
    }
    if (stored?.v !== 1 || typeof stored.seen !== 'string') return undefined;
    const { quotaTat, answered, registered, firstSeen, lastSeen } = stored;
    if (![quotaTat, answered, registered, firstSeen, lastSeen].every(finite)) return undefined;
    const seen = decodeFingerprints(stored.seen);
    if (!seen) return undefined;
    return {
      account,
      seen,
      quotaTat: quotaTat as number,
      answered: answered as number,
      registered: registered as number,
      firstSeen: firstSeen as number,
      lastSeen: lastSeen as number,
    };
  },
};
