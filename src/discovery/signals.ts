import type { DiscoveryConfig } from '../core/config.discovery.js';
import type { Reason } from '../core/decision.js';
import type { Canaries } from './canaries.js';
import { callingCodeOf, type ReadNumber } from './numbers.js';
import type { DiscoveryAccount, DiscoveryEvidence, DiscoveryVerdict, FingerprintSet } from './types.js';

type Detection = DiscoveryConfig['detection'];

/** What one check adds to an account's evidence, and whether its numbers came sorted. */
export interface CheckEvidence extends DiscoveryEvidence {
  sorted: boolean;
}

const percent = (share: number) => `${Math.round(share * 100)} %`;

/**
 * The evidence of one check. A new number is dense when another number of the same check lies
 * within `sweep.gap` of it, or when the account looked up a number within `sweep.span` of it
 * before (found through the fingerprints: the same keyed hash of the neighbour's text). People's
 * contacts are scattered over ranges of millions; a sweep walks a block. A check is sorted when at
 * least `sweep.sortedMin` numbers come in ascending order, 95 % of steps or more (address books
 * come ordered by name, not number).
 */
export function checkEvidence(input: {
  config: Detection;
  /** The check's valid numbers, in request order. */
  numbers: readonly ReadNumber[];
  /** Those new to the account. */
  fresh: readonly ReadNumber[];
  seen: FingerprintSet;
  fingerprint(text: string): number;
  /** The account's own number, E.164, when the platform gave it. */
  phone?: string | undefined;
  canaries: Pick<Canaries, 'kind'>;
}): CheckEvidence {
  const { config, numbers, fresh, seen, fingerprint } = input;
  const values: number[] = [];
  for (const n of numbers) if (n.value !== undefined) values.push(n.value);
  let ascending = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[i - 1] as number)) ascending++;
  const sorted = values.length >= config.sweep.sortedMin && ascending >= 0.95 * (values.length - 1);

  const ordered = [...values].sort((a, b) => a - b);
  const close = new Set<number>();
  for (let i = 1; i < ordered.length; i++) {
    if ((ordered[i] as number) - (ordered[i - 1] as number) <= config.sweep.gap) {
      close.add(ordered[i] as number);
      close.add(ordered[i - 1] as number);
    }
  }
  const own = input.phone?.startsWith('+') ? callingCodeOf(input.phone.slice(1)) : undefined;
  const evidence: CheckEvidence = {
    asked: 0,
    dense: 0,
    withOwn: 0,
    foreign: 0,
    canaries: 0,
    honey: 0,
    sorted,
  };
  for (const n of fresh) {
    if (n.value === undefined) continue;
    evidence.asked++;
    const kind = input.canaries.kind(`+${n.value}`);
    if (kind === 'canary') evidence.canaries++;
    else if (kind === 'honey') evidence.honey++;
    if (close.has(n.value) || hasNeighbourSeen(n.value, config.sweep.span, seen, fingerprint))
      evidence.dense++;
    if (own !== undefined) {
      evidence.withOwn++;
      if (n.callingCode !== own) evidence.foreign++;
    }
  }
  return evidence;
}

function hasNeighbourSeen(
  value: number,
  span: number,
  seen: FingerprintSet,
  fingerprint: (text: string) => number,
): boolean {
  const length = String(value).length;
  for (let d = 1; d <= span; d++) {
    for (const neighbour of [value - d, value + d]) {
      const text = String(neighbour);
      if (text.length === length && seen.has(fingerprint(`+${text}`))) return true;
    }
  }
  return false;
}

export interface Judgement {
  score: number;
  reasons: (Reason & { contribution: number })[];
  verdict: DiscoveryVerdict;
}

/**
 * Judges an account on all its evidence so far (this check's included) and its hit rate. Each
 * signal over its threshold adds its configured points; the sum escalates the answer: allow,
 * shadow, throttle, block.
 */
export function judge(
  settings: Pick<DiscoveryConfig, 'detection' | 'canaries'>,
  account: Pick<DiscoveryAccount, 'reported' | 'registered'>,
  evidence: DiscoveryEvidence,
  sorted: boolean,
): Judgement {
  const config = settings.detection;
  const reasons: Judgement['reasons'] = [];
  // Like canaries, one number passes: a person may mistype into a honey range once, and evidence
  // is kept for good, so a single hit must not hold them for ever.
  if (evidence.honey >= settings.canaries.minLookups) {
    reasons.push({
      code: 'canary.honey_range',
      message: `This account asked for ${evidence.honey === 1 ? 'a number' : `${evidence.honey} numbers`} in a block never allocated to anyone: only a generated list holds such numbers.`,
      contribution: settings.canaries.honeyContribution,
    });
  }
  if (evidence.canaries >= settings.canaries.minLookups) {
    reasons.push({
      code: 'canary.lookup',
      message: `This account asked for ${evidence.canaries} canary numbers, which belong to no one and appear in no real address book.`,
      contribution: settings.canaries.contribution,
    });
  }
  const points = config.contributions;
  if (account.reported >= config.hitRate.minAnswered) {
    const rate = account.registered / account.reported;
    if (rate < config.hitRate.low) {
      reasons.push({
        code: 'enumeration.hit_rate_low',
        message: `${percent(rate)} of the ${account.reported} numbers answered to this account are registered, under ${percent(config.hitRate.low)}: numbers tried, not known.`,
        contribution: points.hitRateLow,
      });
    } else if (rate > config.hitRate.high) {
      reasons.push({
        code: 'enumeration.hit_rate_high',
        message: `${percent(rate)} of the ${account.reported} numbers answered to this account are registered, over ${percent(config.hitRate.high)}: a list of known users replayed.`,
        contribution: points.hitRateHigh,
      });
    }
  }
  if (evidence.asked >= config.sweep.minNumbers) {
    const share = evidence.dense / evidence.asked;
    if (share > config.sweep.share) {
      reasons.push({
        code: 'enumeration.sweep',
        message: `${percent(share)} of the ${evidence.asked} new numbers this account asked for lie next to another it asked for: a walk through number blocks.`,
        contribution: points.sweep,
      });
    }
  }
  if (sorted) {
    reasons.push({
      code: 'enumeration.sorted',
      message: 'The numbers of this check come in ascending order, as a generated list does.',
      contribution: points.sorted,
    });
  }
  if (evidence.withOwn >= config.foreign.minNumbers) {
    const share = evidence.foreign / evidence.withOwn;
    if (share > config.foreign.share) {
      reasons.push({
        code: 'plausibility.foreign_book',
        message: `${percent(share)} of the new numbers this account asked for are outside its own number’s country.`,
        contribution: points.foreign,
      });
    }
  }
  const score = reasons.reduce((sum, r) => sum + r.contribution, 0);
  return { score, reasons, verdict: verdictOf(config, score) };
}

/** The answer a score escalates to. */
export function verdictOf(config: Pick<Detection, 'thresholds'>, score: number): DiscoveryVerdict {
  const t = config.thresholds;
  return score >= t.block
    ? 'block'
    : score >= t.throttle
      ? 'throttle'
      : score >= t.shadow
        ? 'shadow'
        : 'allow';
}

const severity = { allow: 0, partial: 1, shadow: 2, throttle: 3, block: 4 } as const;

/** The stronger of two answers (allow < partial < shadow < throttle < block). */
export function strongest<T extends DiscoveryVerdict>(a: T, b: T): T {
  return severity[b] > severity[a] ? b : a;
}

/** The weaker of two answers. */
export function weakest<T extends DiscoveryVerdict>(a: T, b: T): T {
  return severity[b] < severity[a] ? b : a;
}

/** Evidence with a check's added. */
export function addEvidence(into: DiscoveryEvidence, add: DiscoveryEvidence): DiscoveryEvidence {
  return {
    asked: into.asked + add.asked,
    dense: into.dense + add.dense,
    withOwn: into.withOwn + add.withOwn,
    foreign: into.foreign + add.foreign,
    canaries: into.canaries + add.canaries,
    honey: into.honey + add.honey,
  };
}
