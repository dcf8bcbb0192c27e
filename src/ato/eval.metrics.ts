/**
 * Scores of two classes (takeovers and legitimate events) tallied in bounded memory, for ROC AUC
 * and for "what share of takeovers would a threshold catch that challenges r of legitimate
 * events". Scores are counted in bins about 0.01 % wide on a log scale, so memory depends on the
 * range of scores, never on how many there are: a 31-million-row replay costs what a thousand-row
 * one does. Equal scores always share a bin, so ties are exact; two different scores share a bin
 * only when within about 0.01 % of each other, and `errorBound` says how much that can move the AUC.
 */

/** Width of a bin on the sign(s)·ln(1 + |s|) scale: about 0.01 % of the score, or 1e-4 near zero. */
const binWidth = 1e-4;
// Scores beyond ±1e300 (and ±Infinity) share an end bin each.
const endBin = Math.ceil(Math.log1p(1e300) / binWidth) + 1;

interface Bin {
  index: number;
  positives: number;
  negatives: number;
  /** The smallest and largest score seen in the bin: equal means every pair in it is a true tie. */
  min: number;
  max: number;
}

/** The AUC with how far binning may have moved it (0 when no bin holds two different scores). */
export interface AucEstimate {
  /** Null when either class is empty. */
  value: number | null;
  errorBound: number;
}

/** What a score threshold does: flag every event scoring at least `threshold`. */
export interface ThresholdPoint {
  /** The share of legitimate events the threshold may challenge at most. */
  target: number;
  /** Null when no threshold keeps legitimate challenges within the target (ties at the top). */
  threshold: number | null;
  /** Legitimate events scoring at or above the threshold, as a share. */
  legitimateShare: number;
  /** Takeovers scoring at or above the threshold, as a share. */
  takeoverShare: number;
}

export interface ScoreTally {
  /** Counts one score; `positive` is a takeover, otherwise a legitimate event. */
  add(score: number, positive: boolean): void;
  readonly positives: number;
  readonly negatives: number;
  /** Scores that were NaN, counted apart (they have no rank). */
  readonly invalid: number;
  auc(): AucEstimate;
  /** For each target share of legitimate events, the lowest threshold that stays within it. */
  atLegitimateShares(targets: readonly number[]): ThresholdPoint[];
}

function binOf(score: number): number {
  if (score === Number.POSITIVE_INFINITY) return endBin;
  if (score === Number.NEGATIVE_INFINITY) return -endBin;
  const scaled = Math.sign(score) * Math.log1p(Math.abs(score));
  return Math.max(-endBin, Math.min(endBin, Math.floor(scaled / binWidth)));
}

/** A tally of scores of takeovers (positives) and legitimate events (negatives). */
export function createScoreTally(): ScoreTally {
  const bins = new Map<number, Bin>();
  let positives = 0;
  let negatives = 0;
  let invalid = 0;

  const ascending = (): Bin[] => [...bins.values()].sort((a, b) => a.index - b.index);

  return {
    add(score, positive) {
      if (Number.isNaN(score)) {
        invalid += 1;
        return;
      }
      const index = binOf(score);
      let bin = bins.get(index);
      if (!bin) {
        bin = { index, positives: 0, negatives: 0, min: score, max: score };
        bins.set(index, bin);
      }
      if (score < bin.min) bin.min = score;
      if (score > bin.max) bin.max = score;
      if (positive) {
        bin.positives += 1;
        positives += 1;
      } else {
        bin.negatives += 1;
        negatives += 1;
      }
    },
    get positives() {
      return positives;
    },
    get negatives() {
      return negatives;
    },
    get invalid() {
      return invalid;
    },
    auc() {
      if (positives === 0 || negatives === 0) return { value: null, errorBound: 0 };
      // Mann–Whitney: each positive wins against every lower negative and draws (½) with each
      // equal one, which is the rank-sum formula with tied ranks averaged.
      let wins = 0;
      let mixedPairs = 0;
      let negativesBelow = 0;
      for (const bin of ascending()) {
        wins += bin.positives * (negativesBelow + bin.negatives / 2);
        if (bin.min !== bin.max) mixedPairs += bin.positives * bin.negatives;
        negativesBelow += bin.negatives;
      }
      const pairs = positives * negatives;
      // A pair of different scores in one bin counted ½ may truly be 0 or 1.
      return { value: wins / pairs, errorBound: mixedPairs / 2 / pairs };
    },
    atLegitimateShares(targets) {
      const descending = ascending().reverse();
      return targets.map((target) => {
        const allowed = target * negatives;
        let point: ThresholdPoint = { target, threshold: null, legitimateShare: 0, takeoverShare: 0 };
        let caughtNegatives = 0;
        let caughtPositives = 0;
        for (const bin of descending) {
          // A threshold cannot split equal scores, so a bin is taken whole or not at all.
          if (caughtNegatives + bin.negatives > allowed) break;
          caughtNegatives += bin.negatives;
          caughtPositives += bin.positives;
          point = {
            target,
            threshold: bin.min,
            legitimateShare: negatives === 0 ? 0 : caughtNegatives / negatives,
            takeoverShare: positives === 0 ? 0 : caughtPositives / positives,
          };
        }
        return point;
      });
    },
  };
}
