import type { Clock } from '../core/clock.js';
import type { Reason } from '../core/decision.js';
import { CustosError, isCustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Ledger, PublicationStatus } from '../ledger/ledger.js';
import type { Catalog } from './catalog.js';
import type { CheckCounts } from './check.counts.js';
import type { Employees } from './employees.js';
import type { Grant, Grants, Operation } from './grants.js';
import type { People } from './people.js';
import type { SubjectIds } from './subjects.js';
import { accessorPseudonym, type DisclosureBody } from './transparency.js';

export interface CheckInput {
  /** The Custos user id of the engineer whose tool asks. */
  actor: string;
  /** The platform user id whose data would be shown. */
  subject: string;
  fields: string[];
  operation: Operation;
}

export interface CheckResult {
  checkId: string;
  decision: 'permit' | 'deny';
  grantId?: string;
  fields: { permitted: string[]; masked: string[] };
  reasons: Reason[];
  /** The log entry that commits to this check's record. */
  ledgerIndex: number;
}

/** Most field classes one check may ask for. */
export const maxFieldsPerCheck = 50;

/** Picks the grant that covers the most requested fields for this operation. */
function bestGrant(
  grants: Grant[],
  fields: string[],
  operation: Operation,
): { grant?: Grant; permitted: string[] } {
  let best: { grant?: Grant; permitted: string[] } = { permitted: [] };
  for (const grant of grants) {
    if (!grant.operations.includes(operation)) continue;
    const permitted = fields.filter((f) => grant.fields.includes(f));
    if (permitted.length > best.permitted.length) best = { grant, permitted };
  }
  return best;
}

function reasonsFor(
  grants: Grant[],
  chosen: Grant | undefined,
  masked: string[],
  operation: Operation,
): Reason[] {
  if (grants.length === 0) {
    return [{ code: 'grant.none', message: 'No grant is in force for this actor and subject.' }];
  }
  if (!chosen) {
    return [{ code: 'grant.operation_not_covered', message: `No grant in force allows ${operation}.` }];
  }
  const reasons: Reason[] = [
    {
      code: 'grant.covers',
      message: `Grant ${chosen.id} (${chosen.purpose}, ticket ${chosen.ticketId}) covers this access.`,
    },
  ];
  if (masked.length) {
    reasons.push({
      code: 'grant.field_not_covered',
      message: `Not covered, so masked: ${masked.join(', ')}.`,
    });
  }
  return reasons;
}

/** What a logged check tells detection: who asked for whose data, the answer, and under what grant. */
export interface AnsweredCheck {
  checkId: string;
  at: number;
  actor: string;
  subject: string;
  operation: Operation;
  requested: string[];
  permitted: string[];
  decision: 'permit' | 'deny';
  reasons: string[];
  purpose: string | null;
  ticket: string | null;
  caller: string;
}

/** A check whose input was validated and put in normal form: running it can no longer fail with 400. */
export interface PreparedCheck {
  actor: string;
  subject: string;
  fields: string[];
  operation: Operation;
}

/** Why nothing is permitted while no checkpoint is being published; undefined while one is. */
function staleReason(publication: PublicationStatus): Reason | undefined {
  if (!publication.stale) return undefined;
  const since = new Date(publication.waitingSince ?? 0).toISOString();
  return {
    code: 'ledger.publication_stale',
    message: `Ledger checkpoints have not been published since ${since}; nothing is permitted until they are.`,
  };
}

export type AccessCheck = ReturnType<typeof createAccessCheck>;

/**
 * The enforcement point internal tools call before showing user data. Every check, permit or
 * deny, is a ledger record; if the store or the ledger cannot be written the check fails with
 * 503 and nothing is permitted.
 */
export function createAccessCheck(deps: {
  grants: Pick<Grants, 'activeFor'>;
  employees: Pick<Employees, 'conflict'>;
  /** Whether the actor is an enabled Custos user (identity's answer, handed in by app.ts). */
  people: Pick<People, 'isActive'>;
  subjectIds: SubjectIds;
  catalog: Catalog;
  ledger: Pick<Ledger, 'append' | 'publication'>;
  clock: Clock;
  /** Per-hour counts of answered checks, persisted for the overview (see check.counts.ts). */
  counts?: Pick<CheckCounts, 'record'>;
  /** How permitted accesses are disclosed to their subject (see transparency.ts). */
  disclosure: { pseudonymSecret: string; legalHoldDelayMs: number };
  /** Told of every check once it is logged (detection's feed); must not throw. */
  answered?: (check: AnsweredCheck) => void;
}) {
  const { grants, employees, people, subjectIds, catalog, ledger, clock, disclosure } = deps;
  // Checks answered by this process, by decision and leading reason, for the metrics.
  const tallies = new Map<string, { decision: string; reason: string; count: number }>();

  /**
   * Logs what the subject may later see of a permitted access, with the index row that finds it,
   * in the same store transaction as the record.
   */
  function disclose(checkId: string, input: PreparedCheck, grant: Grant, permitted: string[], at: number) {
    const id = newId('dsc', clock);
    const body: DisclosureBody = {
      at,
      subject: input.subject,
      fields: permitted,
      operation: input.operation,
      purpose: grant.purpose,
      accessor: accessorPseudonym(disclosure.pseudonymSecret, input.subject, input.actor),
      checkId,
    };
    const visibleFrom = grant.purpose === 'legal_request' ? at + disclosure.legalHoldDelayMs : at;
    return ledger.append(
      { type: 'access.disclosure', id, body },
      {
        batchable: true,
        alsoInsert: {
          table: 'access_disclosures',
          columns: ['record_id', 'subject_id', 'at', 'visible_from'],
          values: [id, input.subject, at, visibleFrom],
        },
      },
    );
  }

  return {
    /** Logged checks answered by this process since it started, by decision and leading reason. */
    counts(): { decision: string; reason: string; count: number }[] {
      return [...tallies.values()].map((t) => ({ ...t }));
    },

    check: (input: CheckInput, caller: string) => run(prepare(input), caller),

    /**
     * Several checks, all or nothing: every input is validated before any is run, so a batch
     * refused with 400 has logged and disclosed nothing. Answered in order.
     */
    checkMany(inputs: readonly CheckInput[], caller: string): Promise<CheckResult[]> {
      const prepared = inputs.map(prepare);
      return Promise.all(prepared.map((input) => run(input, caller)));
    },
  };

  /** Validates the input and puts it in normal form; throws 400 codes, never touches the store. */
  function prepare(input: CheckInput): PreparedCheck {
    if (input.fields.length === 0 || input.fields.length > maxFieldsPerCheck) {
      throw new CustosError('request.invalid', `a check asks for 1 to ${maxFieldsPerCheck} field classes`);
    }
    return {
      actor: input.actor,
      subject: subjectIds.normal(input.subject),
      fields: catalog.resolve(input.fields).map((f) => f.name),
      operation: input.operation,
    };
  }

  async function run(input: PreparedCheck, caller: string): Promise<CheckResult> {
    const { fields } = input;
    let active: Grant[];
    let refusal: Reason | undefined;
    try {
      // Unregistered actors, oneself, colleagues and one's managers are off limits whatever
      // grants say.
      refusal = await employees.conflict(input.actor, input.subject);
      active = refusal ? [] : await grants.activeFor(input.actor, input.subject);
      // A disabled person's grants were revoked when they were disabled; this holds even for one
      // issued in a race with the disabling. Asked only when a grant would permit.
      if (active.length && !(await people.isActive(input.actor))) {
        refusal = { code: 'actor.disabled', message: 'The actor’s Custos account is disabled.' };
        active = [];
      }
    } catch (error) {
      if (isCustosError(error)) throw error;
      throw new CustosError('store.unavailable', 'grants cannot be read; nothing is permitted');
    }
    // A permit must soon be in a published checkpoint: while none has been published for longer
    // than allowed, no grant counts. The deny is still logged.
    const stale = staleReason(ledger.publication());
    const { grant, permitted } = bestGrant(stale ? [] : active, fields, input.operation);
    const masked = fields.filter((f) => !permitted.includes(f));
    const decision = permitted.length > 0 ? 'permit' : 'deny';
    const reasons = stale
      ? [stale]
      : refusal
        ? [refusal]
        : reasonsFor(active, grant, masked, input.operation);
    const checkId = newId('chk', clock);
    const at = clock.now();
    // A permit is logged twice: the full check for auditors, and what its subject may see.
    const [{ index }] = await Promise.all([
      ledger.append(
        {
          type: 'access.check',
          id: checkId,
          body: {
            at,
            actor: input.actor,
            subject: input.subject,
            operation: input.operation,
            requested: fields,
            decision,
            grantId: grant?.id ?? null,
            permitted,
            masked,
            reasons: reasons.map((r) => r.code),
            caller,
          },
        },
        { batchable: true },
      ),
      ...(grant && decision === 'permit' ? [disclose(checkId, input, grant, permitted, at)] : []),
    ]);
    const reason = reasons[0]?.code ?? 'none';
    const key = `${decision} ${reason}`;
    const tally = tallies.get(key);
    if (tally) tally.count++;
    else tallies.set(key, { decision, reason, count: 1 });
    deps.counts?.record(decision, reason, at);
    deps.answered?.({
      checkId,
      at,
      actor: input.actor,
      subject: input.subject,
      operation: input.operation,
      requested: fields,
      permitted,
      decision,
      reasons: reasons.map((r) => r.code),
      purpose: grant?.purpose ?? null,
      ticket: grant?.ticketId ?? null,
      caller,
    });
    return {
      checkId,
      decision,
      ...(grant ? { grantId: grant.id } : {}),
      fields: { permitted, masked },
      reasons,
      ledgerIndex: index,
    };
  }
}
