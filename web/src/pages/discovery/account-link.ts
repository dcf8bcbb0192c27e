import type { HistoryState } from '@tanstack/react-router';

// The account a link into the decisions page should search for. An account id names a person, so it
// travels in the history entry's state (kept across a reload, never in the address or the server's
// logs) rather than in `?account=`.

declare module '@tanstack/history' {
  interface HistoryState {
    /** The account whose decisions the decisions page opens with. */
    discoveryAccount?: string;
  }
}

/** The navigation state that opens the decisions page on this account. */
export function accountState(account: string): HistoryState {
  return { discoveryAccount: account };
}
