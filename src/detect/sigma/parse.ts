import { type Level, levels, type RuleIssue } from './types.js';
import { entryOf, issueAt, type Pos, readYaml, type YEntry, type YNode } from './yaml.js';

/** What a rule document says about itself, checked. */
export interface RuleHeader {
  file: string;
  /** 0-based index of the document in its file. */
  docIndex: number;
  pos: Pos;
  title: string;
  id?: string;
  name?: string;
  level: Level;
  status?: string;
  author?: string;
  tags: string[];
}

export interface LogsourceSpec {
  product?: string;
  category?: string;
  service?: string;
  pos: Pos;
}

/** A detection rule, its search identifiers still YAML: compile.ts gives them meaning. */
export interface DetectionDocument extends RuleHeader {
  kind: 'detection';
  logsource: LogsourceSpec;
  searches: YEntry[];
  /** Several conditions are OR-ed, as Sigma says. */
  conditions: { text: string; pos: Pos }[];
}

export const correlationTypes = ['event_count', 'value_count', 'temporal', 'temporal_ordered'] as const;
export type CorrelationType = (typeof correlationTypes)[number];

/** Bounds on a count; several are AND-ed (`gt: 100` with `lte: 200` is a range). */
export interface CountCondition {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
  neq?: number;
}

export interface CorrelationDocument extends RuleHeader {
  kind: 'correlation';
  type: CorrelationType;
  rules: { ref: string; pos: Pos }[];
  groupBy: { field: string; pos: Pos }[];
  timespanMs: number;
  condition: CountCondition | undefined;
  /** value_count: the field(s) whose distinct values are counted. */
  valueFields: string[];
  /** alias → (rule reference → field in that rule's events). */
  aliases: { alias: string; pos: Pos; fields: { ref: string; field: string; pos: Pos }[] }[];
  /** Whether the referenced rules also report their own matches. */
  generate: boolean;
  conditionPos: Pos;
}

export type RuleDocument = DetectionDocument | CorrelationDocument;

export interface ParseResult {
  documents: RuleDocument[];
  errors: RuleIssue[];
  warnings: RuleIssue[];
}

/** Sigma correlation types outside our subset, refused by name. */
const refusedCorrelationTypes = new Set(['value_sum', 'value_avg', 'value_percentile']);
const countKeys = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
const timeUnits: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses one rule file: every YAML document in it is a detection or a correlation rule. */
export function parseRuleFile(text: string, file: string): ParseResult {
  const { documents: yamlDocs, errors } = readYaml(text, file);
  const warnings: RuleIssue[] = [];
  const documents: RuleDocument[] = [];
  for (const doc of yamlDocs) {
    if (!doc.root) continue;
    const problems: RuleIssue[] = [];
    const parsed = parseDocument(doc.root, doc.index, file, problems);
    if (problems.length > 0) errors.push(...problems);
    else if (parsed) documents.push(parsed);
  }
  if (documents.length === 0 && errors.length === 0) {
    warnings.push({ file, line: 1, message: 'file holds no rule' });
  }
  return { documents, errors, warnings };
}

function parseDocument(root: YNode, docIndex: number, file: string, problems: RuleIssue[]) {
  const fail = (pos: Pos, message: string, feature?: string) => {
    problems.push(issueAt(file, pos, message, feature));
  };
  if (root.kind !== 'map') {
    fail(root.pos, 'a rule must be a YAML map');
    return undefined;
  }
  const action = entryOf(root, 'action');
  if (action) {
    fail(
      action.keyPos,
      'Sigma 1 multi-document actions (action: global/reset/repeat) are not supported',
      'action',
    );
    return undefined;
  }
  const header = parseHeader(root, docIndex, file, fail);
  const correlation = entryOf(root, 'correlation');
  const detection = entryOf(root, 'detection');
  const filter = entryOf(root, 'filter');
  if (correlation && detection) {
    fail(correlation.keyPos, 'a rule has either a detection or a correlation, not both');
    return undefined;
  }
  if (correlation) return header && parseCorrelation(header, correlation, root, fail);
  if (filter && !detection) {
    fail(filter.keyPos, 'Sigma filters are not supported', 'filter');
    return undefined;
  }
  if (!detection) {
    fail(root.pos, 'missing detection');
    return undefined;
  }
  const logsource = parseLogsource(root, fail);
  const body = parseDetection(detection, fail);
  if (!header || !logsource || !body) return undefined;
  const document: DetectionDocument = { ...header, kind: 'detection', logsource, ...body };
  return document;
}

type Fail = (pos: Pos, message: string, feature?: string) => void;

function text(entry: YEntry | undefined, fail: Fail, what: string): string | undefined {
  if (!entry) return undefined;
  const { value } = entry;
  if (value.kind === 'scalar' && value.value !== null && typeof value.value !== 'boolean') {
    return String(value.value);
  }
  fail(value.pos, `${what} must be text`);
  return undefined;
}

/** A string or a list of strings, as `tags`, `rules` and `group-by` are written. */
function texts(entry: YEntry | undefined, fail: Fail, what: string): { value: string; pos: Pos }[] {
  if (!entry) return [];
  const { value } = entry;
  const items = value.kind === 'seq' ? value.items : [value];
  const out: { value: string; pos: Pos }[] = [];
  for (const item of items) {
    if (item.kind === 'scalar' && (typeof item.value === 'string' || typeof item.value === 'number')) {
      out.push({ value: String(item.value), pos: item.pos });
    } else {
      fail(item.pos, `${what} must be text or a list of text`);
    }
  }
  return out;
}

function parseHeader(root: YNode, docIndex: number, file: string, fail: Fail): RuleHeader | undefined {
  const title = text(entryOf(root, 'title'), fail, 'title');
  if (title === undefined || title.trim() === '') {
    fail(entryOf(root, 'title')?.value.pos ?? root.pos, 'missing title');
    return undefined;
  }
  const header: RuleHeader = { file, docIndex, pos: root.pos, title, level: 'medium', tags: [] };
  const id = text(entryOf(root, 'id'), fail, 'id');
  if (id !== undefined) header.id = id;
  const name = text(entryOf(root, 'name'), fail, 'name');
  if (name !== undefined) header.name = name;
  const status = text(entryOf(root, 'status'), fail, 'status');
  if (status !== undefined) header.status = status;
  const author = text(entryOf(root, 'author'), fail, 'author');
  if (author !== undefined) header.author = author;
  const levelEntry = entryOf(root, 'level');
  const level = text(levelEntry, fail, 'level');
  if (level !== undefined) {
    if ((levels as readonly string[]).includes(level)) header.level = level as Level;
    else if (levelEntry) fail(levelEntry.value.pos, `unknown level '${level}' (one of ${levels.join(', ')})`);
  }
  header.tags = texts(entryOf(root, 'tags'), fail, 'tags').map((tag) => tag.value);
  return header;
}

function parseLogsource(root: YNode, fail: Fail): LogsourceSpec | undefined {
  const entry = entryOf(root, 'logsource');
  if (!entry) {
    fail(root.pos, 'missing logsource');
    return undefined;
  }
  if (entry.value.kind !== 'map') {
    fail(entry.value.pos, 'logsource must be a map');
    return undefined;
  }
  const spec: LogsourceSpec = { pos: entry.keyPos };
  for (const key of ['product', 'category', 'service'] as const) {
    const value = text(entryOf(entry.value, key), fail, `logsource ${key}`);
    if (value !== undefined) spec[key] = value;
  }
  return spec;
}

function parseDetection(entry: YEntry, fail: Fail) {
  if (entry.value.kind !== 'map') {
    fail(entry.value.pos, 'detection must be a map');
    return undefined;
  }
  const searches: YEntry[] = [];
  let conditions: { text: string; pos: Pos }[] | undefined;
  let ok = true;
  for (const item of entry.value.entries) {
    if (item.key === 'condition') {
      conditions = [];
      const list = item.value.kind === 'seq' ? item.value.items : [item.value];
      for (const one of list) {
        if (one.kind === 'scalar' && typeof one.value === 'string') {
          conditions.push({ text: one.value, pos: one.pos });
        } else {
          fail(one.pos, 'condition must be text or a list of text');
          ok = false;
        }
      }
    } else if (item.key === 'timeframe') {
      fail(item.keyPos, 'timeframe belongs to Sigma 1 aggregations: use a correlation rule', 'timeframe');
      ok = false;
    } else {
      searches.push(item);
    }
  }
  if (!conditions || conditions.length === 0) {
    fail(entry.keyPos, 'detection has no condition');
    return undefined;
  }
  if (searches.length === 0) {
    fail(entry.keyPos, 'detection has no search identifier');
    return undefined;
  }
  return ok ? { searches, conditions } : undefined;
}

/** Parses `90m`, `1h`, `7d`: a positive whole number and one lower-case unit. */
export function parseTimespan(value: string): number | undefined {
  const match = /^([1-9]\d{0,8})([smhd])$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * (timeUnits[match[2] as string] as number);
}

function parseCorrelation(header: RuleHeader, entry: YEntry, root: YNode, fail: Fail) {
  const body = entry.value;
  if (body.kind !== 'map') {
    fail(body.pos, 'correlation must be a map');
    return undefined;
  }
  const problems: string[] = [];
  const failHere: Fail = (pos, message, feature) => {
    problems.push(message);
    fail(pos, message, feature);
  };
  const typeEntry = entryOf(body, 'type');
  const type = text(typeEntry, failHere, 'correlation type');
  if (type === undefined) failHere(typeEntry?.value.pos ?? entry.keyPos, 'correlation has no type');
  else if (refusedCorrelationTypes.has(type)) {
    failHere(typeEntry?.value.pos ?? entry.keyPos, `correlation type '${type}' is not supported`, type);
  } else if (!(correlationTypes as readonly string[]).includes(type)) {
    failHere(typeEntry?.value.pos ?? entry.keyPos, `unknown correlation type '${type}'`);
  }
  const rulesEntry = entryOf(body, 'rules');
  const rules = texts(rulesEntry, failHere, 'rules').map(({ value, pos }) => ({ ref: value, pos }));
  if (rules.length === 0) failHere(rulesEntry?.value.pos ?? entry.keyPos, 'correlation refers to no rule');
  const groupBy = texts(entryOf(body, 'group-by'), failHere, 'group-by').map(({ value, pos }) => ({
    field: value,
    pos,
  }));
  const timespanEntry = entryOf(body, 'timespan');
  const timespanText = text(timespanEntry, failHere, 'timespan');
  const timespanMs = timespanText === undefined ? undefined : parseTimespan(timespanText);
  if (!timespanEntry) failHere(entry.keyPos, 'correlation has no timespan');
  else if (timespanText !== undefined && timespanMs === undefined) {
    failHere(
      timespanEntry.value.pos,
      `bad timespan '${timespanText}': a number and one of s, m, h, d (as 90m)`,
    );
  }
  const conditionEntry = entryOf(body, 'condition');
  const { condition, valueFields } = parseCountCondition(conditionEntry, type, failHere);
  if (!conditionEntry && (type === 'event_count' || type === 'value_count')) {
    failHere(entry.keyPos, `${type} needs a condition`);
  }
  const aliases = parseAliases(entryOf(body, 'aliases'), failHere);
  const generateEntry = entryOf(body, 'generate') ?? entryOf(root, 'generate');
  const generate = generateEntry?.value.kind === 'scalar' && generateEntry.value.value === true;
  if (
    generateEntry &&
    !(generateEntry.value.kind === 'scalar' && typeof generateEntry.value.value === 'boolean')
  ) {
    failHere(generateEntry.value.pos, 'generate must be true or false');
  }
  if (problems.length > 0 || timespanMs === undefined) return undefined;
  const document: CorrelationDocument = {
    ...header,
    kind: 'correlation',
    type: type as CorrelationType,
    rules,
    groupBy,
    timespanMs,
    condition,
    valueFields,
    aliases,
    generate,
    conditionPos: conditionEntry?.value.pos ?? entry.keyPos,
  };
  return document;
}

function parseCountCondition(entry: YEntry | undefined, type: string | undefined, fail: Fail) {
  const valueFields: string[] = [];
  if (!entry) return { condition: undefined, valueFields };
  if (entry.value.kind !== 'map') {
    fail(entry.value.pos, 'a correlation condition must be a map such as {gte: 10}');
    return { condition: undefined, valueFields };
  }
  const condition: CountCondition = {};
  let bounds = 0;
  for (const item of entry.value.entries) {
    if (item.key === 'field') {
      // Refused types (value_sum, …) take a field too; their refusal already says enough.
      const known = type !== undefined && (correlationTypes as readonly string[]).includes(type);
      if (known && type !== 'value_count')
        fail(item.keyPos, `condition field is only for value_count, not ${type}`);
      valueFields.push(...texts(item, fail, 'condition field').map((field) => field.value));
      continue;
    }
    if (!(countKeys as readonly string[]).includes(item.key)) {
      fail(item.keyPos, `unknown condition '${item.key}' (one of ${countKeys.join(', ')}, field)`);
      continue;
    }
    const value = item.value.kind === 'scalar' ? item.value.value : undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      fail(item.value.pos, `condition ${item.key} must be a whole number`);
      continue;
    }
    condition[item.key as (typeof countKeys)[number]] = value;
    bounds++;
  }
  if (bounds === 0) fail(entry.value.pos, 'correlation condition has no bound (gt, gte, lt, lte, eq, neq)');
  if (type === 'value_count' && valueFields.length === 0)
    fail(entry.keyPos, 'value_count condition needs a field');
  return { condition, valueFields };
}

function parseAliases(entry: YEntry | undefined, fail: Fail): CorrelationDocument['aliases'] {
  if (!entry) return [];
  if (entry.value.kind !== 'map') {
    fail(entry.value.pos, 'aliases must be a map of alias → {rule: field}');
    return [];
  }
  return entry.value.entries.map((alias) => {
    const fields: { ref: string; field: string; pos: Pos }[] = [];
    if (alias.value.kind !== 'map')
      fail(alias.value.pos, `alias '${alias.key}' must map rule names to fields`);
    else {
      for (const item of alias.value.entries) {
        const field = text(item, fail, `alias '${alias.key}' field`);
        if (field !== undefined) fields.push({ ref: item.key, field, pos: item.keyPos });
      }
    }
    return { alias: alias.key, pos: alias.keyPos, fields };
  });
}
