import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { CustosError } from '../core/errors.js';

/** The least zxcvbn score (0–4) a chosen password must reach. */
export interface PasswordPolicy {
  minScore: number;
}

/**
 * zxcvbn's score 4 means an estimated 10^10 guesses or more, strong protection even against an
 * offline attack on a stolen hash; Custos accounts open access to user data, and a 12-character
 * minimum makes 4 easy to reach with a generated password or three or four unrelated words. Score 3
 * (10^8) still lets `Summer2024!!` or a username plus a year through. Every entry of the
 * common-password list scores 0 or 1, so no allowed setting (2 to 4) accepts one.
 */
export const defaultPasswordPolicy: PasswordPolicy = { minScore: 4 };

/** How many leading characters of a password are judged. */
export const judgedLength = 64;

// The dictionaries are loaded on the first check and kept, not at import: most processes (the
// CLI's ledger commands, a node nobody signs up on) never set a password.
let estimator: Promise<ZxcvbnFactory> | undefined;

function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
    ]);
    return new ZxcvbnFactory({
      dictionary: common.dictionary,
      graphs: common.adjacencyGraphs,
      // Matching grows faster than linearly with length (a crafted 256-character password costs
      // several times a 64-character one, all on the event loop). Judging a prefix only ever
      // underestimates the whole, so a long password is refused if its start is weak, never
      // accepted for a strong tail.
      maxLength: judgedLength,
      // Levenshtein matching stays off: it costs 100–400 ms of blocked event loop per check, and
      // l33t, case and reversed variants of listed passwords are matched without it.
      useLevenshteinDistance: false,
    });
  })();
  estimator.catch(() => {
    estimator = undefined;
  });
  return estimator;
}

// zxcvbn returns translation keys, meant to be mapped to one's own sentences.
const reasons: Record<string, string> = {
  topTen: 'it is one of the ten most used passwords',
  topHundred: 'it is one of the hundred most used passwords',
  common: 'it is on a list of common and breached passwords',
  similarToCommon: 'it is a small variation of a password on a list of common and breached passwords',
  straightRow: 'it is a straight row of keys on a keyboard',
  keyPattern: 'it is a short keyboard pattern',
  simpleRepeat: 'it repeats one character',
  extendedRepeat: 'it repeats a group of characters',
  sequences: 'it is a common sequence such as abc or 6543',
  recentYears: 'it relies on a recent year',
  dates: 'it relies on a date',
  wordByItself: 'it is a single common word',
  namesByThemselves: 'it is made of common names',
  commonNames: 'it is made of common names',
  userInputs: 'it contains the username or display name',
  pwned: 'it appears in a data breach',
};

/**
 * Throws `password.too_common` unless the password reaches the policy's zxcvbn score, judged
 * against offline lists of common and breached passwords, keyboard patterns, repeats, sequences
 * and dates, and against `related` (the username and display name). The message says why; it
 * never contains the password.
 */
export async function assertPasswordStrength(
  password: string,
  related: string[],
  policy: PasswordPolicy,
): Promise<void> {
  const zxcvbn = await loadEstimator();
  const result = zxcvbn.check(password, related);
  if (result.score >= policy.minScore) return;
  const warning = result.feedback.warning ?? undefined;
  const reason = (warning && reasons[warning]) || 'it would be guessed too quickly';
  throw new CustosError(
    'password.too_common',
    `the password is too easy to guess: ${reason}; choose a longer passphrase of unrelated words or a generated password`,
    { field: 'password', ...(warning ? { warning } : {}) },
  );
}
