import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { CustosError } from '../core/errors.js';
import { checkPolicySources, describeProblems, type PolicySource, readPolicyFolder } from './policy.check.js';

/**
 * The policies shipped with Custos, in `policies/access/` at the package root: found by walking
 * up from this module, which sits at a different depth in `src/`, `dist/` and the benchmarks' build.
 */
export const defaultPolicyDir = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++, dir = dirname(dir)) {
    const candidate = join(dir, 'policies', 'access');
    if (existsSync(join(candidate, 'schema.cedarschema'))) return candidate;
  }
  return fileURLToPath(new URL('../../policies/access/', import.meta.url));
})();

export const approvalActions = ['autoApprove', 'approve', 'grant'] as const;
export type ApprovalAction = (typeof approvalActions)[number];

/** What the policies know of a request (see policies/access/schema.cedarschema). */
export interface RequestFacts {
  purpose: string;
  tier: number;
  fields: string[];
  operations: string[];
  subjectCount: number;
  durationSeconds: number;
  protectedSubjects: boolean;
  ticketFiledBySubject: boolean;
}

export interface ApprovalContexts {
  autoApprove: Record<string, never>;
  approve: {
    isRequester: boolean;
    isSubject: boolean;
    inRequesterManagementChain: boolean;
    approverRegistered: boolean;
  };
  grant: { approvals: number; securityApprovals: number; managementApprovals: number };
}

/** A policy that decided, with the sentence its author wrote for it. */
export interface AppliedPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  reason: string;
}

export interface PolicyDecision {
  allowed: boolean;
  /** The policies that determined the answer: the permits when allowed, the forbids when not. */
  policies: AppliedPolicy[];
}

export interface LoadedPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  reason: string;
  file: string;
}

export type ApprovalPolicy = ReturnType<typeof compileApprovalPolicy>;

let loads = 0;

function messages(errors: readonly { message: string }[]): string {
  return errors.map((e) => e.message).join('; ');
}

/**
 * Loads the approval policies of a folder (`schema.cedarschema` and every `*.cedar` file) and
 * validates them against the schema, so a typo fails at start-up rather than at the first
 * request. Each policy must carry a unique `@id` and a `@reason`.
 */
export function loadApprovalPolicy(dir: string = defaultPolicyDir) {
  let folder: { schema: string; sources: PolicySource[] };
  try {
    folder = readPolicyFolder(dir);
  } catch (error) {
    throw new CustosError('config.invalid', `approval policies in ${dir}: ${(error as Error).message}`);
  }
  return compileApprovalPolicy(folder.schema, folder.sources, dir);
}

/**
 * Compiles policy sources (a folder's files, some perhaps replaced by versions saved through the
 * API) into the evaluator the access domain asks; refuses, naming each problem, a set that does
 * not check (see checkPolicySources).
 */
export function compileApprovalPolicy(schema: string, sources: readonly PolicySource[], origin: string) {
  const fail = (message: string) =>
    new CustosError('config.invalid', `approval policies in ${origin}: ${message}`);
  const checked = checkPolicySources(schema, sources);
  if (checked.problems.length) throw fail(describeProblems(checked.problems));
  const staticPolicies: Record<string, string> = {};
  const loaded = new Map<string, LoadedPolicy>();
  for (const policy of checked.policies) {
    loaded.set(policy.id, {
      id: policy.id,
      effect: policy.effect,
      reason: policy.reason,
      file: `${policy.name}.cedar`,
    });
    staticPolicies[policy.id] = policy.text;
  }

  // The WebAssembly engine keeps parsed sets by name; a name per load keeps reloads apart.
  const name = `custos-approval-${++loads}`;
  const parsed = cedar.preparsePolicySet(name, { staticPolicies });
  if (parsed.type === 'failure') throw fail(messages(parsed.errors));
  const schemaParsed = cedar.preparseSchema(name, schema);
  if (schemaParsed.type === 'failure') throw fail(messages(schemaParsed.errors));

  return {
    dir: origin,
    /** The schema and sources this evaluator was compiled from. */
    schema,
    sources: [...sources],
    /** Every policy in force, for `GET /v1/access/policies` and the docs. */
    policies(): LoadedPolicy[] {
      return [...loaded.values()];
    },

    evaluate<A extends ApprovalAction>(
      action: A,
      principal: { id: string; roles: readonly string[] },
      request: { id: string; facts: RequestFacts },
      context: ApprovalContexts[A],
    ): PolicyDecision {
      const principalUid = { type: 'Custos::User', id: principal.id };
      const resourceUid = { type: 'Custos::Request', id: request.id };
      const answer = cedar.statefulIsAuthorized({
        principal: principalUid,
        action: { type: 'Custos::Action', id: action },
        resource: resourceUid,
        context: context as cedar.Context,
        preparsedPolicySetId: name,
        preparsedSchemaName: name,
        validateRequest: true,
        entities: [
          { uid: principalUid, attrs: { roles: [...principal.roles] }, parents: [] },
          { uid: resourceUid, attrs: { ...request.facts }, parents: [] },
        ],
      });
      if (answer.type === 'failure') {
        // A request the schema rejects is our bug, not the caller's: refuse, never allow.
        throw new CustosError('internal', `approval policy evaluation failed: ${messages(answer.errors)}`);
      }
      const { decision, diagnostics } = answer.response;
      if (diagnostics.errors.length) {
        throw new CustosError(
          'internal',
          `approval policy evaluation failed: ${diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`).join('; ')}`,
        );
      }
      return {
        allowed: decision === 'allow',
        policies: diagnostics.reason.map((id) => {
          const policy = loaded.get(id) as LoadedPolicy;
          return { id, effect: policy.effect, reason: policy.reason };
        }),
      };
    },
  };
}
