import { useEffect, useState } from 'react';

/**
 * The log's verifier key as the auditor pinned it. It is public, so it may live in localStorage;
 * it never comes from the reply being checked, so a lying server cannot swap it.
 */
const storageKey = 'custos.ledger.vkey';

function read(): string | null {
  try {
    return window.localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

export function useLogKey(): [string | null, (vkey: string | null) => void] {
  const [vkey, setVkey] = useState<string | null>(read);
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === storageKey) setVkey(event.newValue);
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);
  const save = (next: string | null) => {
    if (next === null) window.localStorage.removeItem(storageKey);
    else window.localStorage.setItem(storageKey, next);
    setVkey(next);
  };
  return [vkey, save];
}

/** The shared verifier, loaded only when a page verifies something (its own chunk). */
export const loadVerifier = () => import('../../../../src/ledger/verify.subtle.js');
