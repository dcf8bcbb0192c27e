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

/** How long an engineer's team and role, and the protected list, are reused before being read again. */
export const readContextTtlMs = 30_000;
/** Engineers whose team and role are remembered at once. */
const maxActors = 10_000;

/**
 * The context of each announced read, without three queries per check: an engineer's team and
 * role are remembered for `readContextTtlMs`, and the protected list is held whole and read again
 * as often (it holds thousands of people, not millions). A change shows in detection within that
 * time; the access check itself never reads these copies.
 */
export function createReadContext(deps: {
  clock: Clock;
  teamOf: (actor: string) => Promise<string | null>;
  roleOf: (actor: string) => Promise<string | null>;
  protectedList: () => Promise<readonly string[]>;
}) {
  const actors = new Map<string, { team: string | null; role: string | null; until: number }>();
  let list: { ids: Set<string>; until: number } | undefined;
  let loading: Promise<Set<string>> | undefined;

  async function protectedIds(now: number): Promise<Set<string>> {
    if (list && list.until > now) return list.ids;
    loading ??= deps
      .protectedList()
      .then((ids) => {
        list = { ids: new Set(ids), until: deps.clock.now() + readContextTtlMs };
        return list.ids;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  }

  return {
    async of(actor: string, subject: string): Promise<ReadContext> {
      const now = deps.clock.now();
      let known = actors.get(actor);
      if (!known || known.until <= now) {
        const [team, role] = await Promise.all([deps.teamOf(actor), deps.roleOf(actor)]);
        known = { team, role, until: now + readContextTtlMs };
        actors.delete(actor);
        actors.set(actor, known);
        if (actors.size > maxActors) actors.delete(actors.keys().next().value as string);
      }
      const ids = await protectedIds(now);
      return { team: known.team, role: known.role, protected: ids.has(subject) };
    },
    /** Drops the copies, so the next read sees a change made on this node at once. */
    forget(): void {
      actors.clear();
      list = undefined;
    },
  };
}
