import type { Findings, RuleContext } from './rules.context.js';
import type { AtoAction } from './types.js';

/** True for an event after which someone holds the account on this device. */
function succeeded(ctx: RuleContext): boolean {
  const { type, outcome } = ctx.event;
  if (type === 'device_link') return outcome !== 'failure';
  return (type === 'otp_verify' || type === 'pin_verify' || type === 'login') && outcome === 'success';
}

/**
 * Recommended actions, from the rules' findings: a device new to an existing account that
 * registers or links (a successful code, or device_link) → notify_user; any success from a new
 * device whose rule reasons add up to strongTakeoverScore → also revoke_other_sessions and
 * start_recovery. The respond side applies them once the event went through.
 */
export function recommendActions(ctx: RuleContext, findings: Findings): AtoAction[] {
  if (!ctx.history || ctx.knownDevice || !succeeded(ctx)) return [];
  const actions = new Set<AtoAction>();
  const { type } = ctx.event;
  if (type === 'otp_verify' || type === 'device_link') actions.add('notify_user');
  const score = findings.reasons.reduce((total, r) => total + r.contribution, 0);
  if (score >= ctx.config.strongTakeoverScore) {
    actions.add('notify_user');
    actions.add('revoke_other_sessions');
    actions.add('start_recovery');
  }
  return [...actions];
}
