import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';

/** One file of approval policies: its name (the file name without `.cedar`) and its text. */
export interface PolicySource {
  name: string;
  text: string;
}

/** What is wrong with a policy source, and where: 1-based line and column when Cedar says. */
export interface PolicyProblem {
  name: string;
  message: string;
  line?: number;
  column?: number;
}

/** A policy found in a source, with the annotations Custos requires. */
export interface ParsedPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  reason: string;
  name: string;
  text: string;
}

export const policyNamePattern = /^[a-z0-9][a-z0-9-]{0,63}$/;
const policyIdPattern = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Reads `schema.cedarschema` and every `*.cedar` file of a folder, in name order. */
export function readPolicyFolder(dir: string): { schema: string; sources: PolicySource[] } {
  const schema = readFileSync(join(dir, 'schema.cedarschema'), 'utf8');
  const sources = readdirSync(dir)
    .filter((file) => file.endsWith('.cedar'))
    .sort()
    .map((file) => ({ name: file.slice(0, -'.cedar'.length), text: readFileSync(join(dir, file), 'utf8') }));
  return { schema, sources };
}

/** Cedar reports byte offsets into the text; a person reads lines and columns. */
function position(text: string, byteOffset: number): { line: number; column: number } {
  const before = Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8');
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

function located(
  source: PolicySource,
  error: { message: string; help?: string | null; sourceLocations?: { start: number }[] },
): PolicyProblem {
  const start = error.sourceLocations?.[0]?.start;
  const message = error.help ? `${error.message} (${error.help})` : error.message;
  return { name: source.name, message, ...(start === undefined ? {} : position(source.text, start)) };
}

/**
 * Checks a whole set of policy sources against the schema, as loading them would: each parses,
 * every policy carries a unique `@id` and a `@reason`, and each validates (strict mode). Returns
 * the policies when there is no problem; otherwise the problems, each at its line where known.
 */
export function checkPolicySources(
  schema: string,
  sources: readonly PolicySource[],
): { policies: ParsedPolicy[]; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [];
  const policies: ParsedPolicy[] = [];
  const seen = new Map<string, string>();
  if (sources.length === 0) problems.push({ name: '', message: 'no .cedar files' });
  const schemaCheck = cedar.checkParseSchema(schema);
  if (schemaCheck.type === 'failure') {
    return {
      policies,
      problems: schemaCheck.errors.map((e) => ({ name: 'schema.cedarschema', message: e.message })),
    };
  }
  for (const source of sources) {
    const parts = cedar.policySetTextToParts(source.text);
    if (parts.type === 'failure') {
      problems.push(...parts.errors.map((e) => located(source, e)));
      continue;
    }
    if (parts.policy_templates.length)
      problems.push({ name: source.name, message: 'templates are not supported' });
    // Cedar numbers the policies of a text policy0, policy1, … in order; annotations are checked per policy.
    for (const [index, text] of parts.policies.entries()) {
      const json = cedar.policyToJson(text);
      if (json.type === 'failure') {
        problems.push(...json.errors.map((e) => located(source, e)));
        continue;
      }
      const id = json.json.annotations?.id;
      const reason = json.json.annotations?.reason;
      const at = source.text.indexOf(text);
      const where = at >= 0 ? position(source.text, Buffer.byteLength(source.text.slice(0, at))) : {};
      if (!id || !policyIdPattern.test(id)) {
        problems.push({
          name: source.name,
          message: `policy ${index + 1}: every policy needs an @id of lower-case letters, digits and dashes`,
          ...where,
        });
        continue;
      }
      if (!reason) problems.push({ name: source.name, message: `policy ${id} has no @reason`, ...where });
      const previous = seen.get(id);
      if (previous !== undefined) {
        problems.push({
          name: source.name,
          message: `policy id ${id} is also used in ${previous}.cedar`,
          ...where,
        });
        continue;
      }
      seen.set(id, source.name);
      policies.push({ id, effect: json.json.effect, reason: reason ?? '', name: source.name, text });
    }
    // Validated as one text, so Cedar's locations are offsets into the file as written.
    const validation = cedar.validate({ schema, policies: { staticPolicies: source.text } });
    if (validation.type === 'failure') {
      problems.push(...validation.errors.map((e) => located(source, e)));
    } else {
      for (const error of validation.validationErrors) {
        const index = Number(/^policy(\d+)$/.exec(error.policyId)?.[1] ?? Number.NaN);
        const id = Number.isNaN(index)
          ? error.policyId
          : (policies.find((p) => p.name === source.name && parts.policies[index] === p.text)?.id ??
            error.policyId);
        problems.push(located(source, { ...error.error, message: `policy ${id}: ${error.error.message}` }));
      }
    }
  }
  return { policies, problems };
}

/** One line per problem, as start-up errors and logs show them. */
export function describeProblems(problems: readonly PolicyProblem[]): string {
  return problems
    .map((p) => `${p.name ? `${p.name}.cedar: ` : ''}${p.message}${p.line ? ` (line ${p.line})` : ''}`)
    .join('; ');
}
