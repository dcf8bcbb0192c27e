import type { Assessment, AuthEvent, KnownFacts } from '../../ato/types.js';
import type { AddressBook } from './addresses.js';
import type { NumberPlan } from './phones.js';
import type { Random } from './random.js';

/**
 * What the parts of the simulation share: the ground truth kept beside each event, the actor
 * protocol (a generator that yields the events it sends and receives the answers), and the world
 * actors act in.
 */

/** Attacks that aim to take an account over. */
export const takeoverKinds = ['sim_swap', 'code_phishing', 'otp_brute_force', 'credential_replay'] as const;
export const attackKinds = [...takeoverKinds, 'sms_pumping'] as const;
export type TakeoverKind = (typeof takeoverKinds)[number];
export type AttackKind = (typeof attackKinds)[number];

/**
 * What a legitimate event is: an ordinary login at home, abroad, through a VPN; a registration
 * on a new phone, after reinstalling, for a new number, or by an owner winning their account
 * back; or an owner looking at their phone because an attack sent them codes.
 */
export const legitKinds = [
  'routine',
  'travel',
  'vpn',
  'new_phone',
  'reinstall',
  'signup',
  'recovery',
  'owner_alerted',
] as const;
export type LegitKind = (typeof legitKinds)[number];

/** The ground truth of one event. It stays in the simulation; the assessor never sees it. */
export type Truth =
  | {
      actor: 'legit';
      kind: LegitKind;
      account: string | undefined;
      /** Registration flows are numbered, to count a flow as challenged once. */
      flow?: number;
    }
  | {
      actor: 'attacker';
      kind: AttackKind;
      attempt: number;
      /** A step whose refusal ends the attempt: registration_start, the right code, a login. */
      decisive: boolean;
    };

/** One event an actor sends, with the facts to send beside it and its truth. */
export interface Step {
  event: AuthEvent;
  facts?: KnownFacts;
  truth: Truth;
}

/** An actor yields the steps it sends, in non-decreasing time, and gets each answer back. */
export type Actor = Generator<Step, void, Assessment>;

/** One attack: a takeover attempt on one account, or one SMS pumping campaign. */
export interface Attempt {
  id: number;
  kind: AttackKind;
  /** The account attacked; none for SMS pumping. */
  victim: string | undefined;
  start: number;
  /** When the attacker stopped; the attempt is open until then. */
  end: number;
  /** The attacker got the account (or, for SMS pumping, is never set). */
  completed: boolean;
  /** Brute force only: the guess budget ran out before the day did. */
  budgetExhausted?: boolean;
}

/** The world as actors see it. */
export interface SimWorld {
  start: number;
  end: number;
  addresses: AddressBook;
  numbers: NumberPlan;
  /** Opens an attack record; the actor sets `end` and `completed` as it goes. */
  openAttempt(kind: AttackKind, victim: string | undefined, time: number): Attempt;
  /** Starts another actor (an owner reacting, a recovery) at `at`, which may not be in the past. */
  spawn(actor: Actor, at: number): void;
  nextFlow(): number;
  random(label: string): Random;
}

export const minute = 60_000;
export const hour = 60 * minute;
export const day = 24 * hour;
