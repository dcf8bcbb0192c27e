import {
  IconBan,
  IconCircleCheck,
  IconClockPause,
  IconEyeOff,
  IconQuestionMark,
  IconScissors,
} from '@tabler/icons-react';
import type { Tone } from '../ato/labels.js';
import type { DiscoveryVerdict } from './types.js';

/** Each answer of the guard in a word, an icon and a colour (never the colour alone). */
const tones: Record<DiscoveryVerdict, Tone> = {
  allow: { label: 'Allowed', color: 'teal', icon: IconCircleCheck },
  partial: { label: 'Partly answered', color: 'yellow', icon: IconScissors },
  shadow: { label: 'Shadowed', color: 'grape', icon: IconEyeOff },
  throttle: { label: 'Throttled', color: 'orange', icon: IconClockPause },
  block: { label: 'Blocked', color: 'red', icon: IconBan },
};

/** The tone of a decision; one this console does not know (a newer server) reads as its own word. */
export function verdictTone(decision: string): Tone {
  return tones[decision as DiscoveryVerdict] ?? { label: decision, color: 'gray', icon: IconQuestionMark };
}

/** Chart colours per decision, shade 7 for contrast in both themes. */
export const verdictChartColor: Record<DiscoveryVerdict, string> = {
  allow: 'teal.7',
  partial: 'yellow.7',
  shadow: 'grape.7',
  throttle: 'orange.7',
  block: 'red.7',
};

/** What each decision asks of the platform, in a sentence. */
const meanings: Record<DiscoveryVerdict, string> = {
  allow: 'Every valid number was answered truthfully.',
  partial: 'The quota ran short: some numbers were answered, the rest got nothing until later.',
  shadow: 'Numbers the account already knew were answered; every other one was reported as not registered.',
  throttle: 'Nothing was answered; the platform was told when to try again.',
  block: 'Nothing was answered.',
};

export function verdictMeaning(decision: string): string | undefined {
  return meanings[decision as DiscoveryVerdict];
}

/** The leading reason of a row; `none` means no reason was given. */
export function reasonLabel(code: string): string {
  return code === 'none' ? 'No reason given' : code;
}

/** A cohort as the store names it: `a:<account>` (the account's own canaries) or `b:<bucket>`. */
export function cohortLabel(cohort: string): string {
  if (cohort.startsWith('a:')) return 'The account’s own set';
  if (cohort.startsWith('b:')) return `Bucket ${cohort.slice(2)}`;
  return cohort;
}

/** Points of a score or reason: whole numbers stay whole. */
export function formatPoints(points: number): string {
  return Number.isInteger(points) ? String(points) : points.toFixed(1);
}
