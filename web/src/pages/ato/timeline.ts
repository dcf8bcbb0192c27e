import type { AtoReason, DecisionRow, Takeover } from './types.js';

// Pure reading of a takeover's timeline and of an assessment's reasons, apart from the pages.

/** The decision that let the attacker in, and how it was found. */
export interface EntryDecision {
  id: string;
  /** `event`: the platform named the event; `last_allow`: the last allow up to the takeover's time. */
  found: 'event' | 'last_allow';
}

/**
 * Which of the account's decisions let the attacker in: the one for the event the platform named
 * when it reported the takeover; without one, the last allowed event at or before the takeover.
 */
export function entryDecision(
  takeover: Pick<Takeover, 'eventId' | 'happenedAt'>,
  decisions: DecisionRow[],
): EntryDecision | null {
  if (takeover.eventId !== null) {
    const named = decisions.find((d) => d.eventId === takeover.eventId);
    if (named) return { id: named.id, found: 'event' };
  }
  let last: DecisionRow | undefined;
  for (const decision of decisions) {
    if (decision.decision !== 'allow' || decision.at > takeover.happenedAt) continue;
    if (!last || decision.at >= last.at) last = decision;
  }
  return last ? { id: last.id, found: 'last_allow' } : null;
}

/** Reasons from the one that raised the risk most to the one that lowered it most. */
export function byContribution(reasons: AtoReason[]): AtoReason[] {
  return [...reasons].sort((a, b) => b.contribution - a.contribution || a.code.localeCompare(b.code));
}
