import type { Clock } from '../core/clock.js';
import { type CustosEvent, createEvent } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { AnsweredCheck } from './check.js';

/** OCSF 1.8.0 Datastore Activity, activity 2 (Read): an engineer's read of a user's data. */
const datastoreActivity = 6005;

// The refusals that name who the subject is to the engineer.
const relations: Record<string, string> = {
  'subject.self': 'self',
  'subject.colleague': 'colleague',
  'subject.manager_chain': 'manager_chain',
};

/** What the registries say of a check's actor and subject when it is announced. */
export interface ReadContext {
  team: string | null;
  role: string | null;
  protected: boolean;
}

/**
 * A logged check as detection reads it (docs/detection.md, "The detector"): a Datastore Activity
 * event `access.read.<decision>` whose actor is the engineer, with the subject, the fields, the
 * grant's purpose and ticket, the engineer's team and role, whether the subject is protected, and
 * who the subject is to the engineer when a check was refused for it. Denied checks are announced
 * too: an attempt on a colleague or a protected person is itself worth an alert.
 */
export function accessReadEvent(check: AnsweredCheck, context: ReadContext, clock: Clock): CustosEvent {
  const relation = check.reasons.map((code) => relations[code]).find((r) => r !== undefined);
  return createEvent({
    uid: newId('evt', clock),
    topic: `access.read.${check.decision}`,
    classUid: datastoreActivity,
    activityId: 2,
    severityId: check.decision === 'permit' ? 1 : 3,
    time: check.at,
    message: `${check.operation} of ${check.requested.length} field classes: ${check.decision}`,
    actor: { user: { uid: check.actor } },
    correlationUid: check.checkId,
    payload: {
      check: check.checkId,
      subject: check.subject,
      fields: check.decision === 'permit' ? check.permitted : check.requested,
      operation: check.operation,
      export: check.operation === 'export',
      decision: check.decision,
      reasons: check.reasons,
      purpose: check.purpose,
      ticket: check.ticket,
      team: context.team,
      role: context.role,
      protected: context.protected,
      relation: relation ?? null,
      caller: check.caller,
    },
  });
}
