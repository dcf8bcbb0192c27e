import type { AtoModelConfig } from '../core/config.ato.model.js';
import {
  distinctValues,
  extractValues,
  featureCount,
  hourIndex,
  hourKey,
  modelFeatures,
  parentIndex,
} from './model.features.js';
import type { GlobalModel } from './model.global.js';
import { describeFeature, describePopularity, noHistoryReason, noPopulationReason } from './model.reasons.js';
import type { AccountHistory, AtoReason, Features } from './types.js';

/**
 * The statistical risk model of Freeman, Jain, Dürmuth, Biggio and Giacinto, "Who Are You? A
 * Statistical Approach to Measuring User Authenticity" (NDSS 2016), in natural-log space.
 *
 * The score of a session x on account u is the likelihood ratio of the paper,
 *
 *   S_u(x) = p(x | attack) / p(x | u, legitimate) · p(u | attack) / p(u | legitimate),
 *
 * with the attacker's distribution approximated by the population's, p(x | attack) ≈ p(x), and
 * the features taken as independent, so that
 *
 *   ln S = Σ_k w_k · (ln p(x_k) − ln p̃(x_k | u))  +  w_pop · ln( p(u | attack) / p(u | legit) ).
 *
 * Every term becomes one reason with its contribution; the score is their sum (docs/ato-model.md).
 *
 * p̃(x_k | u) is the account's frequency smoothed towards a back-off estimate b_k:
 *
 *   p̃(v | u) = (c_u(v) + κ · b(v)) / (n_u + κ),   b(v) = p̃(parent(v) | u) · p(v | parent(v))
 *
 * where c_u(v) is how many of the account's n_u learnt sessions had v, parent(v) is the coarser
 * value of the same session (IP → subnet → ASN → country; agent → OS → device type; browser →
 * device type), and p(v | parent) is the population's conditional, p(v) / p(parent) for nested
 * values. At the top of a hierarchy (and for the hour) b(v) = p(v). So a value never seen on the
 * account falls back to its parent's account history times its population share within the
 * parent (Freeman et al.'s back-off along the hierarchies), scaled by the mass κ/(n+κ) the
 * account leaves for new values. κ = α · max(1, T), T the number of distinct values the account
 * has used for the feature (Witten–Bell): an account on one IP for fifty sessions leaves little
 * room for a new one, a phone that gets a new carrier address every day leaves a lot. The hour's
 * count also takes a share of the neighbouring hours (cyclic), so a habit does not end at a
 * clock boundary.
 *
 * The popularity term takes p(u | attack) = 1/|U| (attackers pick accounts evenly) and
 * p(u | legit) = (n_u + 1)/(N + |U|), the account's share of all learnt sessions, add-one smoothed.
 *
 * An account with no learnt session (no history, or n_u = 0) has p̃(x_k | u) = p(x_k) by the
 * formula above, so every feature contributes exactly 0: there is nothing to compare with, and
 * the model says so in one reason (`model.no_history`); only the popularity term remains, which
 * is ln(1 + N/|U|), the log of one plus the mean sessions per account.
 */

export interface ModelScore {
  /** ln S: the sum of the reasons' contributions, in nats (ln 10 ≈ 2.3 is ten times likelier an attack). */
  score: number;
  reasons: AtoReason[];
}

interface Compiled {
  alpha: number;
  neighbour: number;
  weights: Float64Array;
  popularity: number;
}

const compiledConfigs = new WeakMap<AtoModelConfig, Compiled>();

// The config is parsed once at boot; its numbers are laid out for the hot path once per object.
function compile(config: AtoModelConfig): Compiled {
  let compiled = compiledConfigs.get(config);
  if (!compiled) {
    const weights = new Float64Array(featureCount);
    modelFeatures.forEach((name, i) => {
      weights[i] = config.weights[name];
    });
    compiled = {
      alpha: config.smoothing,
      neighbour: config.hourNeighbourWeight,
      weights,
      popularity: config.weights.popularity,
    };
    compiledConfigs.set(config, compiled);
  }
  return compiled;
}

// Scratch for one call; JavaScript runs one call at a time and scoreEvent never re-enters.
const values: Array<string | undefined> = new Array(featureCount);
const accountP = new Float64Array(featureCount);
const globalP = new Float64Array(featureCount);

/** The hour's count with a share of each neighbouring hour, in sessions. */
function hourCount(table: Record<string, number> | undefined, hour: number, neighbour: number): number {
  if (!table) return 0;
  const here = table[hourKey(hour)] ?? 0;
  if (neighbour === 0) return here;
  const around = (table[hourKey(hour - 1)] ?? 0) + (table[hourKey(hour + 1)] ?? 0);
  return (here + neighbour * around) / (1 + 2 * neighbour);
}

function popularityTerm(n: number, global: GlobalModel, weight: number): AtoReason | undefined {
  if (weight === 0) return undefined;
  const total = global.total;
  const accounts = global.accounts;
  const contribution = accounts === 0 ? 0 : weight * Math.log((total + accounts) / (accounts * (n + 1)));
  return { code: 'model.popularity', message: describePopularity(n, total, accounts), contribution };
}

/** Largest contribution first, equal ones in feature order: an insertion sort of ten items. */
function sortByContribution(reasons: AtoReason[]): void {
  for (let i = 1; i < reasons.length; i++) {
    const reason = reasons[i] as AtoReason;
    let j = i - 1;
    while (j >= 0 && (reasons[j] as AtoReason).contribution < reason.contribution) {
      reasons[j + 1] = reasons[j] as AtoReason;
      j--;
    }
    reasons[j + 1] = reason;
  }
}

/**
 * Scores one session against the account's history and the population: pure (it changes
 * nothing of its inputs that JSON or a key listing can see; it may note a table's size under a
 * hidden symbol) and allocation-light. `history` undefined is an account with no history.
 */
export function scoreEvent(
  features: Features,
  history: AccountHistory | undefined,
  global: GlobalModel,
  config: AtoModelConfig,
): ModelScore {
  const { alpha, neighbour, weights, popularity } = compile(config);
  if (global.total === 0) return { score: 0, reasons: [noPopulationReason()] };
  const n = history?.observations ?? 0;
  const reasons: AtoReason[] = [];
  let score = 0;
  if (n === 0 || history === undefined) {
    reasons.push(noHistoryReason());
  } else {
    extractValues(features, values);
    const tables = history.tables;
    for (let i = 0; i < featureCount; i++) {
      const value = values[i];
      if (value === undefined) continue;
      const pGlobal = global.probabilityAt(i, value);
      globalP[i] = pGlobal;
      let parent = parentIndex[i] as number;
      while (parent >= 0 && values[parent] === undefined) parent = parentIndex[parent] as number;
      const backOff =
        parent < 0
          ? pGlobal
          : (accountP[parent] as number) * Math.min(1, pGlobal / (globalP[parent] as number));
      const table = tables[modelFeatures[i] as string];
      // typeof, not ??: a table that is a plain object answers 'constructor' with a function.
      const stored = table?.[value];
      const seen = typeof stored === 'number' ? stored : 0;
      const count = i === hourIndex ? hourCount(table, features.hour, neighbour) : seen;
      // Witten–Bell: the mass left for new values grows with how many values the account uses.
      const concentration = alpha * Math.max(1, distinctValues(table));
      const pAccount = (count + concentration * backOff) / (n + concentration);
      accountP[i] = pAccount;
      const weight = weights[i] as number;
      if (weight === 0) continue;
      const contribution = weight * (Math.log(pGlobal) - Math.log(pAccount));
      score += contribution;
      reasons.push({
        code: codes[i] as string,
        message: describeFeature(i, value, seen, n, pGlobal),
        contribution,
      });
    }
  }
  const term = popularityTerm(n, global, popularity);
  if (term) {
    score += term.contribution;
    reasons.push(term);
  }
  sortByContribution(reasons);
  return { score, reasons };
}

const codes: readonly string[] = [
  'model.country',
  'model.asn',
  'model.subnet',
  'model.ip',
  'model.device_type',
  'model.os',
  'model.agent',
  'model.browser',
  'model.hour',
];
