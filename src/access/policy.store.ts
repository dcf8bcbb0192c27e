import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Outbox } from '../store/outbox.js';
import { isUniqueViolation, type Store } from '../store/store.js';
import { accessActivity, accessEvent } from './events.js';
import {
  checkPolicySources,
  describeProblems,
  type PolicyProblem,
  type PolicySource,
} from './policy.check.js';
import { type ApprovalPolicy, compileApprovalPolicy } from './policy.js';

/** How often a node looks for policy versions another node saved. */
export const policyRefreshIntervalMs = 5_000;

/** An approval policy evaluator whose policies can be replaced while requests are decided. */
export type LiveApprovalPolicy = ApprovalPolicy & { replace(next: ApprovalPolicy): void };

/**
 * Wraps an evaluator so that a saved policy set takes effect for the next decision without a
 * restart: callers keep this object; `replace` swaps what it delegates to.
 */
export function createLiveApprovalPolicy(initial: ApprovalPolicy): LiveApprovalPolicy {
  let current = initial;
  return {
    get dir() {
      return current.dir;
    },
    get schema() {
      return current.schema;
    },
    get sources() {
      return current.sources;
    },
    policies: () => current.policies(),
    evaluate: (action, principal, request, context) => current.evaluate(action, principal, request, context),
    replace(next) {
      current = next;
    },
  };
}

/** One policy file as in force: shipped (version 0) or the newest version saved through the API. */
export interface PolicyFile {
  name: string;
  text: string;
  version: number;
  sha256: string;
  savedBy: string | null;
  savedAt: number | null;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export type PolicyVersions = ReturnType<typeof createPolicyVersions>;

/**
 * Approval policies edited through the API: each save is checked as a whole set against the
 * schema (a set that fails is never stored), kept as a new version with who and when, announced
 * as an event and a ledger record in the same transaction, and put in force on this node at once
 * and on the others within `policyRefreshIntervalMs`.
 */
export function createPolicyVersions(deps: {
  store: Pick<Store, 'db' | 'transaction'>;
  clock: Clock;
  outbox: Outbox;
  logger: Logger;
  /** The evaluator the access domain decides with; its shipped sources are the baseline. */
  live: LiveApprovalPolicy;
}) {
  const { store, clock, outbox, logger, live } = deps;
  const schema = live.schema;
  const shipped: PolicySource[] = [...live.sources];
  let inForce = '';

  async function newest(executor: Pick<Store, 'db'>['db']): Promise<PolicyFile[]> {
    const rows = await executor
      .selectFrom('access_policy_versions as v')
      .selectAll('v')
      .where(({ eb, selectFrom }) =>
        eb(
          'v.version',
          '=',
          selectFrom('access_policy_versions as w')
            .select(({ fn }) => fn.max('w.version').as('latest'))
            .whereRef('w.name', '=', 'v.name'),
        ),
      )
      .execute();
    return rows.map((row) => ({
      name: row.name,
      text: row.text,
      version: Number(row.version),
      sha256: row.sha256,
      savedBy: row.created_by,
      savedAt: Number(row.created_at),
    }));
  }

  /** The shipped files overlaid with the newest saved version of each name, in name order. */
  function effective(saved: readonly PolicyFile[]): PolicyFile[] {
    const files = new Map<string, PolicyFile>(
      shipped.map((s) => [
        s.name,
        { name: s.name, text: s.text, version: 0, sha256: sha256(s.text), savedBy: null, savedAt: null },
      ]),
    );
    for (const file of saved) files.set(file.name, file);
    return [...files.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  const signature = (files: readonly PolicyFile[]) => files.map((f) => `${f.name}@${f.version}`).join(',');

  inForce = signature(effective([]));

  function putInForce(files: readonly PolicyFile[]): void {
    const key = signature(files);
    if (key === inForce) return;
    live.replace(compileApprovalPolicy(schema, files, `${live.dir} and saved versions`));
    inForce = key;
  }

  return {
    schema,

    /** Every policy file in force, with its version and who saved it. */
    async list(): Promise<PolicyFile[]> {
      return effective(await newest(store.db));
    },

    /** The problems `text` would bring as the new content of policy file `name`; none means it may be saved. */
    async check(name: string, text: string): Promise<PolicyProblem[]> {
      const files = effective(await newest(store.db)).filter((f) => f.name !== name);
      return checkPolicySources(schema, [...files, { name, text }]).problems;
    },

    /**
     * Saves `text` as the next version of policy file `name` when the whole set then validates;
     * `baseVersion`, when given, must be the version the editor started from, so two admins do
     * not silently overwrite each other.
     */
    async save(input: { name: string; text: string; baseVersion?: number | undefined; actorId: string }) {
      const saved = await store
        .transaction(async (tx) => {
          const files = effective(await newest(tx));
          const previous = files.find((f) => f.name === input.name);
          const current = previous?.version ?? 0;
          if (input.baseVersion !== undefined && input.baseVersion !== current) {
            throw new CustosError(
              'resource.conflict',
              `policy file ${input.name} changed since version ${input.baseVersion}: it is at version ${current}`,
            );
          }
          const next = [
            ...files.filter((f) => f.name !== input.name),
            { name: input.name, text: input.text },
          ];
          const { problems } = checkPolicySources(schema, next);
          if (problems.length) {
            throw new CustosError('access.policy_invalid', describeProblems(problems).slice(0, 2000), {
              problems: problems.slice(0, 50),
            });
          }
          const now = clock.now();
          const row = {
            id: newId('pol', clock),
            name: input.name,
            version: current + 1,
            text: input.text,
            sha256: sha256(input.text),
            created_by: input.actorId,
            created_at: now,
          };
          await tx.insertInto('access_policy_versions').values(row).execute();
          await outbox.enqueue(
            tx,
            accessEvent(clock, {
              topic: 'access.policy.saved',
              activityId: accessActivity.other,
              message: `approval policy file ${input.name} saved as version ${row.version}`,
              actorId: input.actorId,
              payload: {
                versionId: row.id,
                name: input.name,
                version: row.version,
                sha256: row.sha256,
                previousSha256: previous?.sha256 ?? null,
              },
            }),
            { record: true },
          );
          return {
            name: row.name,
            text: row.text,
            version: row.version,
            sha256: row.sha256,
            savedBy: row.created_by,
            savedAt: now,
          } satisfies PolicyFile;
        })
        .catch((error: unknown) => {
          if (isUniqueViolation(error))
            throw new CustosError(
              'resource.conflict',
              `policy file ${input.name} was saved by someone else just now`,
            );
          throw error;
        });
      putInForce(effective(await newest(store.db)));
      return saved;
    },

    /** Puts the newest saved versions in force when another node (or a restart) changed them. */
    async refresh(): Promise<void> {
      const files = effective(await newest(store.db));
      try {
        putInForce(files);
      } catch (error) {
        // Saves are checked as whole sets, but two nodes saving different files at once could
        // still clash; the last good set stays in force rather than none.
        logger.error(
          { err: error },
          'saved approval policies do not compile; the previous set stays in force',
        );
      }
    },
  };
}
