import type { StateCodec } from '../store/account-state.js';
import { createFingerprintSet, decodeFingerprints, encodeFingerprints } from './seen.js';
import type { DiscoveryAccount, DiscoveryEvidence } from './types.js';

/** A fresh account: nothing looked up, the whole allowance. */
export function newDiscoveryAccount(account: string, now: number): DiscoveryAccount {
  return {
    account,
    seen: createFingerprintSet(),
    quotaTat: 0,
    answered: 0,
    reported: 0,
    registered: 0,
    evidence: { asked: 0, dense: 0, withOwn: 0, foreign: 0, canaries: 0, honey: 0 },
    firstSeen: now,
    lastSeen: now,
  };
}

interface Stored {
  v: 1;
  seen: string;
  quotaTat: number;
  answered: number;
  reported: number;
  registered: number;
  evidence: DiscoveryEvidence;
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
      reported: state.reported,
      registered: state.registered,
      evidence: state.evidence,
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
    const { quotaTat, answered, reported, registered, firstSeen, lastSeen, evidence } = stored;
    if (![quotaTat, answered, reported, registered, firstSeen, lastSeen].every(finite)) return undefined;
    if (!evidence || ![evidence.asked, evidence.dense, evidence.withOwn, evidence.foreign].every(finite))
      return undefined;
    // Stored before canaries existed: none counted.
    const canaries = finite(evidence.canaries) ? evidence.canaries : 0;
    const honey = finite(evidence.honey) ? evidence.honey : 0;
    const seen = decodeFingerprints(stored.seen);
    if (!seen) return undefined;
    return {
      account,
      seen,
      quotaTat: quotaTat as number,
      answered: answered as number,
      reported: reported as number,
      registered: registered as number,
      evidence: {
        asked: evidence.asked,
        dense: evidence.dense,
        withOwn: evidence.withOwn,
        foreign: evidence.foreign,
        canaries,
        honey,
      },
      firstSeen: firstSeen as number,
      lastSeen: lastSeen as number,
    };
  },
};
