import type { AtoReason } from './types.js';

/**
 * The sentences of the model's reasons: what the account's history and the population say of a
 * value, in words a security analyst (or the account's owner) can check.
 */

const labels: readonly string[] = [
  'Country',
  'Network',
  'Subnet',
  'IP',
  'Device type',
  'OS',
  'User agent',
  'App or browser',
  'Hour',
];
const agentIndex = 6;
const hourIndex = 8;
const maxShown = 80;

/** One decimal, by integer arithmetic: toFixed costs as much as the rest of a reason. */
function oneDecimal(value: number): string {
  const tenths = Math.round(value * 10);
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/** A share as a percentage with the precision that keeps it readable: 42 %, 2.1 %, 0.05 %. */
export function percent(share: number): string {
  const value = share * 100;
  if (value >= 9.95) return `${Math.round(value)} %`;
  if (value >= 0.095) return `${oneDecimal(value)} %`;
  if (value >= 0.01) {
    const hundredths = Math.round(value * 100);
    return `0.${hundredths < 10 ? '0' : ''}${hundredths} %`;
  }
  return 'under 0.01 %';
}

function shown(index: number, value: string): string {
  if (index === hourIndex) return `${value.padStart(2, '0')}:00 UTC`;
  if (index === agentIndex) return `“${value.length > maxShown ? `${value.slice(0, maxShown)}…` : value}”`;
  return value;
}

/** "Country BR: seen in 0 of 37 of this account's sessions; 2.1 % of all sessions." */
export function describeFeature(
  index: number,
  value: string,
  seen: number,
  sessions: number,
  share: number,
): string {
  return `${labels[index]} ${shown(index, value)}: seen in ${seen} of ${sessions} of this account's sessions; ${percent(share)} of all sessions.`;
}

export function describePopularity(sessions: number, total: number, accounts: number): string {
  if (accounts === 0) return 'No accounts counted in the population yet: account activity cannot be weighed.';
  const mean = total / accounts;
  return `Account activity: ${sessions} of ${total} sessions, across ${accounts} accounts (${oneDecimal(mean)} per account on average).`;
}

export function noHistoryReason(): AtoReason {
  return {
    code: 'model.no_history',
    message:
      'No learnt sessions for this account yet: there is nothing to compare this one with, so its features add nothing.',
    contribution: 0,
  };
}

export function noPopulationReason(): AtoReason {
  return {
    code: 'model.no_population',
    message: 'No sessions counted for the population yet: the model cannot weigh this session.',
    contribution: 0,
  };
}
