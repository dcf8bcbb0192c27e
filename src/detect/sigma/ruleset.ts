import { readAttackTags } from './attack.js';
import { compileDetection, createMatchContext, type MatchContext } from './compile.js';
import type { FieldAccessor } from './fields.js';
import { type LogsourceTarget, mapLogsource } from './logsource.js';
import type {
  CorrelationDocument,
  CorrelationType,
  CountCondition,
  RuleDocument,
  RuleHeader,
} from './parse.js';
import type { RuleInfo, RuleIssue } from './types.js';
import type { EventTest } from './values.js';
import { issueAt, type Pos } from './yaml.js';

/** Reads one group-by or value field from what a correlation is fed: an event, or an inner correlation's group. */
export type FieldReader = (source: unknown) => string | undefined;

export interface CompiledDetection extends RuleInfo {
  kind: 'detection';
  target: LogsourceTarget;
  /** Whether one event matches the detection, whatever its logsource. */
  matches(event: unknown): boolean;
  /** The same test without marking a new event; for the engine, which marks once per event. */
  readonly test: EventTest;
  readonly context: MatchContext;
}

export interface CompiledCorrelation extends RuleInfo {
  kind: 'correlation';
  type: CorrelationType;
  timespanMs: number;
  condition: CountCondition | undefined;
  generate: boolean;
  /** Keys of the referenced rules, in the order written. */
  refs: string[];
  groupBy: string[];
  /** [reference][group-by field]: how to read each group-by field from that rule's matches. */
  groupReaders: FieldReader[][];
  /** value_count: [reference][value field]. */
  valueReaders: FieldReader[][];
}

export type CompiledRule = CompiledDetection | CompiledCorrelation;

export interface RuleSet {
  rules: CompiledRule[];
  errors: RuleIssue[];
  warnings: RuleIssue[];
}

function keyOf(doc: RuleHeader): string {
  return doc.id ?? doc.name ?? `${doc.file}#${doc.docIndex + 1}`;
}

function infoOf(doc: RuleHeader, warnings: RuleIssue[]): RuleInfo {
  const { attack, unknown } = readAttackTags(doc.tags);
  for (const tag of unknown) warnings.push(issueAt(doc.file, doc.pos, `unknown ATT&CK tag '${tag}'`));
  const info: RuleInfo = {
    key: keyOf(doc),
    title: doc.title,
    level: doc.level,
    tags: doc.tags,
    attack,
    file: doc.file,
    line: doc.pos.line,
  };
  if (doc.id !== undefined) info.id = doc.id;
  if (doc.name !== undefined) info.name = doc.name;
  if (doc.status !== undefined) info.status = doc.status;
  if (doc.author !== undefined) info.author = doc.author;
  return info;
}

/**
 * Compiles parsed documents into a rule set: detections to matchers, correlations resolved
 * against the rules they name. A rule that fails is reported and left out; a correlation over
 * a rule that failed fails too, saying which.
 */
export function compileRules(documents: readonly RuleDocument[]): RuleSet {
  const errors: RuleIssue[] = [];
  const warnings: RuleIssue[] = [];
  const context = createMatchContext();
  const byKey = new Map<string, RuleDocument>();
  const byName = new Map<string, string>();
  const unique: RuleDocument[] = [];
  for (const doc of documents) {
    const key = keyOf(doc);
    const first = byKey.get(key);
    const named = doc.name !== undefined ? byName.get(doc.name) : undefined;
    if (first || named !== undefined) {
      const other = first ?? (byKey.get(named as string) as RuleDocument);
      const what = first ? `rule reference '${key}'` : `rule name '${doc.name}'`;
      errors.push(
        issueAt(doc.file, doc.pos, `duplicate ${what}, first used in ${other.file}:${other.pos.line}`),
      );
      continue;
    }
    byKey.set(key, doc);
    if (doc.name !== undefined) byName.set(doc.name, key);
    unique.push(doc);
  }

  const compiled = new Map<string, CompiledRule>();
  const failed = new Set<string>();
  for (const doc of unique) {
    if (doc.kind !== 'detection') continue;
    const key = keyOf(doc);
    const result = compileDetection(doc, context);
    if ('errors' in result) {
      errors.push(...result.errors);
      failed.add(key);
      continue;
    }
    const target = mapLogsource(doc.logsource);
    if (target.kind === 'never') warnings.push(issueAt(doc.file, doc.logsource.pos, target.reason));
    const test = result.test;
    compiled.set(key, {
      ...infoOf(doc, warnings),
      kind: 'detection',
      target,
      test,
      context,
      matches(event) {
        context.next();
        return test(event);
      },
    });
  }

  const resolveRef = (ref: string): string | undefined => (byKey.has(ref) ? ref : byName.get(ref));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];

  /** Compiles a correlation after what it names; false when it cannot load. */
  function visit(key: string): boolean {
    if (compiled.has(key)) return true;
    if (failed.has(key)) return false;
    const doc = byKey.get(key);
    if (doc?.kind !== 'correlation') return false;
    if (state.get(key) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(key)), key];
      for (const member of cycle.slice(0, -1)) {
        if (failed.has(member)) continue;
        failed.add(member);
        const memberDoc = byKey.get(member) as CorrelationDocument;
        const at = memberDoc.rules[0]?.pos ?? memberDoc.pos;
        const start = cycle.indexOf(member);
        const path = [...cycle.slice(start, -1), ...cycle.slice(0, start), member];
        errors.push(issueAt(memberDoc.file, at, `cyclic correlation reference: ${path.join(' → ')}`));
      }
      return false;
    }
    state.set(key, 'visiting');
    stack.push(key);
    const problems: RuleIssue[] = [];
    const refs: string[] = [];
    for (const { ref, pos } of doc.rules) {
      const target = resolveRef(ref);
      if (target === undefined) problems.push(issueAt(doc.file, pos, `refers to unknown rule '${ref}'`));
      else if (!visit(target) && !failed.has(key)) {
        problems.push(issueAt(doc.file, pos, `refers to rule '${ref}', which did not load`));
      }
      if (target !== undefined) refs.push(target);
    }
    stack.pop();
    state.set(key, 'done');
    if (failed.has(key)) return false;
    const correlation =
      problems.length === 0 ? buildCorrelation(doc, refs, compiled, resolveRef, problems) : undefined;
    if (!correlation || problems.length > 0) {
      errors.push(...problems);
      failed.add(key);
      return false;
    }
    compiled.set(key, { ...infoOf(doc, warnings), ...correlation });
    return true;
  }
  for (const doc of unique) if (doc.kind === 'correlation') visit(keyOf(doc));

  const rules = unique.map((doc) => compiled.get(keyOf(doc))).filter((rule) => rule !== undefined);
  return { rules, errors, warnings };
}

type CorrelationPart = Omit<CompiledCorrelation, keyof RuleInfo>;

function buildCorrelation(
  doc: CorrelationDocument,
  refs: string[],
  compiled: Map<string, CompiledRule>,
  resolveRef: (ref: string) => string | undefined,
  problems: RuleIssue[],
): CorrelationPart | undefined {
  const fail = (pos: Pos, message: string, feature?: string) =>
    problems.push(issueAt(doc.file, pos, message, feature));
  checkCondition(doc, fail);
  const aliases = new Map<string, Map<string, string>>();
  for (const alias of doc.aliases) {
    const fields = new Map<string, string>();
    for (const { ref, field, pos } of alias.fields) {
      const target = resolveRef(ref);
      if (target === undefined || !refs.includes(target)) {
        fail(pos, `alias '${alias.alias}' names rule '${ref}', which the correlation does not refer to`);
      } else fields.set(target, field);
    }
    aliases.set(alias.alias, fields);
  }
  const readersFor = (names: { field: string; pos: Pos }[]) =>
    refs.map((ref) => {
      const inner = compiled.get(ref) as CompiledRule;
      return names.map(({ field, pos }) => {
        const alias = aliases.get(field);
        const path = alias ? alias.get(ref) : field;
        if (path === undefined) {
          fail(pos, `alias '${field}' gives no field for rule '${ref}'`);
          return () => undefined;
        }
        if (inner.kind === 'correlation') {
          if (!inner.groupBy.includes(path)) {
            fail(pos, `'${path}' is not a group-by field of correlation '${ref}'`);
          }
          return groupReader(path);
        }
        return fieldReader(inner.context.field(path));
      });
    });
  const groupReaders = readersFor(doc.groupBy);
  const valueReaders = readersFor(doc.valueFields.map((field) => ({ field, pos: doc.conditionPos })));
  if (problems.length > 0) return undefined;
  return {
    kind: 'correlation',
    type: doc.type,
    timespanMs: doc.timespanMs,
    condition: doc.condition,
    generate: doc.generate,
    refs,
    groupBy: doc.groupBy.map((g) => g.field),
    groupReaders,
    valueReaders,
  };
}

function checkCondition(
  doc: CorrelationDocument,
  fail: (pos: Pos, message: string, feature?: string) => void,
) {
  const condition = doc.condition;
  if (!condition) return;
  if (doc.type === 'temporal_ordered') {
    fail(
      doc.conditionPos,
      'temporal_ordered takes no condition: all its rules, in order',
      'temporal_ordered condition',
    );
  }
  if (doc.type === 'temporal' && (condition.lt ?? condition.lte ?? condition.neq) !== undefined) {
    fail(doc.conditionPos, 'temporal takes only gt, gte or eq', 'temporal upper bound');
  }
}

/** Group-by and value fields of an event are its first scalar at the path, as text; null is absent. */
function fieldReader(accessor: FieldAccessor): FieldReader {
  return (event) => {
    const value = accessor.first(event);
    return value === undefined || value === null ? undefined : String(value);
  };
}

/** Reads a field of an inner correlation's group. */
function groupReader(name: string): FieldReader {
  return (source) => {
    const group = (source as { group?: Record<string, string> }).group;
    return group && Object.hasOwn(group, name) ? group[name] : undefined;
  };
}
