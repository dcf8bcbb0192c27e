import {
  type Icon,
  IconCircleCheck,
  IconCircleX,
  IconDeviceMobileOff,
  IconQuestionMark,
  IconShieldQuestion,
} from '@tabler/icons-react';
import type { AtoVerdict } from './types.js';

export interface Tone {
  label: string;
  /** Mantine colour name; used for fills and badges, never alone: the word and icon go with it. */
  color: string;
  icon: Icon;
}

/** Each decision in a word, an icon and a colour. */
const tones: Record<AtoVerdict, Tone> = {
  allow: { label: 'Allowed', color: 'teal', icon: IconCircleCheck },
  challenge: { label: 'Challenged', color: 'yellow', icon: IconShieldQuestion },
  deny: { label: 'Denied', color: 'red', icon: IconCircleX },
  lock_device: { label: 'Device locked', color: 'grape', icon: IconDeviceMobileOff },
};

/** The tone of a decision; an unknown one (a newer server) reads as its own word in grey. */
export function verdictTone(decision: string): Tone {
  return tones[decision as AtoVerdict] ?? { label: decision, color: 'gray', icon: IconQuestionMark };
}

/** Chart colours per decision: shade 7 keeps 3:1 against both themes' backgrounds. */
export const verdictChartColor: Record<AtoVerdict, string> = {
  allow: 'teal.7',
  challenge: 'yellow.7',
  deny: 'red.7',
  lock_device: 'grape.7',
};

const eventTypes: Record<string, string> = {
  registration_start: 'Registration',
  otp_request: 'Code requested',
  otp_verify: 'Code entered',
  pin_verify: 'PIN entered',
  login: 'Login',
  device_link: 'Device linked',
  sim_change: 'SIM changed',
  session_revoked: 'Session revoked',
};

export function eventTypeLabel(type: string): string {
  return eventTypes[type] ?? type;
}

const challenges: Record<string, string> = {
  pin: 'Two-step PIN',
  old_device_approval: 'Approval on the old device',
  captcha: 'CAPTCHA',
  wait: 'Wait before retrying',
};

export function challengeLabel(challenge: string): string {
  return challenges[challenge] ?? challenge;
}

const actions: Record<string, string> = {
  revoke_other_sessions: 'Sign out the account’s other sessions',
  notify_user: 'Tell the account’s owner',
  start_recovery: 'Start account recovery',
};

export function actionLabel(action: string): string {
  return actions[action] ?? action;
}

const ipKinds: Record<string, string> = {
  public: 'Public',
  private: 'Private network',
  reserved: 'Reserved range',
  invalid: 'Not an address',
  absent: 'None given',
};

export function ipKindLabel(kind: string): string {
  return ipKinds[kind] ?? kind;
}

const methods: Record<string, string> = {
  sim_swap: 'SIM swap',
  code_phishing: 'Code phishing',
  code_brute_force: 'Code brute force',
  credential_replay: 'Credential replay',
  social_engineering: 'Social engineering',
  malware: 'Malware',
  other: 'Other',
  unknown: 'Unknown',
};

export function methodLabel(method: string): string {
  return methods[method] ?? method;
}

/** The leading reason of a row: `none` means nothing raised the score. */
export function reasonLabel(code: string): string {
  return code === 'none' ? 'Nothing raised the risk' : code;
}

/** A reason's contribution with its sign, so raising and lowering are told apart without colour. */
export function formatContribution(contribution: number): string {
  const fixed = Math.abs(contribution).toFixed(2);
  if (fixed === '0.00') return fixed;
  return contribution > 0 ? `+${fixed}` : `−${fixed}`;
}

/** An assessment's score, two decimals. */
export function formatScore(score: number): string {
  return score.toFixed(2);
}
