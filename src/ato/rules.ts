import type { AtoRulesConfig } from '../core/config.ato.rules.js';
import { CustosError } from '../core/errors.js';
import type { CounterOp, CounterResult, Counters } from '../limits/index.js';
import { recommendActions } from './rules.actions.js';
import { type Batch, type Findings, type Rule, ruleContext } from './rules.context.js';
import { otpRequestRule, otpVerifyRule } from './rules.otp.js';
import { phoneRule } from './rules.phone.js';
import { pinVerifyRule } from './rules.pin.js';
import { pumpingRule } from './rules.pumping.js';
import { registrationRule } from './rules.registration.js';
import { signalsRule } from './rules.signals.js';
import { travelRule } from './rules.travel.js';
import { velocityRule } from './rules.velocity.js';
import {
  type AccountHistory,
  type AuthEvent,
  authEventTypes,
  type Features,
  type RuleFindings,
} from './types.js';

export interface RulesDeps {
  /** Shared counters (Redis, memory, or the failover of both). */
  counters: Pick<Counters, 'run'>;
  config: AtoRulesConfig;
}

export interface Rules {
  /**
   * What the explicit rules find for one event: reasons with their contributions, verdicts that
   * bind whatever the score, and recommended actions. Reads and writes its counters in one batch.
   * Rejects with `request.invalid` for an event without a sane type or time, and passes on
   * `limits.unavailable` from the counters (the caller applies its outage policy).
   */
  evaluate(event: AuthEvent, features: Features, history: AccountHistory | undefined): Promise<RuleFindings>;
}

// In the order their reasons are listed.
const rules: readonly Rule[] = [
  otpVerifyRule,
  pinVerifyRule,
  otpRequestRule,
  registrationRule,
  pumpingRule,
  velocityRule,
  travelRule,
  signalsRule,
  phoneRule,
];

/** A batch that collects ops and hands each rule a reader of its own results. */
function createBatch(): Batch & { ops: CounterOp[]; settle(results: CounterResult[]): void } {
  const ops: CounterOp[] = [];
  let results: CounterResult[] | undefined;
  return {
    ops,
    add(op) {
      const index = ops.push(op) - 1;
      return () => {
        if (!results) throw new Error('a counter result was read before the batch ran');
        return results[index] as never;
      };
    },
    settle(values) {
      results = values;
    },
  };
}

/** The explicit rules of the takeover defence (docs/ato-rules.md). */
export function createRules(deps: RulesDeps): Rules {
  const { counters, config } = deps;
  return {
    async evaluate(event, features, history) {
      if (!event || !(authEventTypes as readonly string[]).includes(event.type)) {
        throw new CustosError('request.invalid', 'the event type is not one Custos knows');
      }
      if (!Number.isSafeInteger(event.time) || event.time < 0) {
        throw new CustosError('request.invalid', 'the event time must be whole milliseconds since 1970');
      }
      const ctx = ruleContext(event, features, history, config);
      const batch = createBatch();
      const finishers = rules.map((rule) => rule(ctx, batch));
      if (batch.ops.length > 0) batch.settle(await counters.run(ctx.time, batch.ops));
      const findings: Findings = { reasons: [], verdicts: [], actions: [] };
      for (const finish of finishers) finish?.(findings);
      findings.actions = recommendActions(ctx, findings);
      return findings;
    },
  };
}
