import { ConditionError, type ConditionNode, parseCondition, selectIdentifiers } from './condition.js';
import { collectStrings, createFieldTable, type Epoch, type FieldAccessor } from './fields.js';
import { readModifiers } from './modifiers.js';
import type { DetectionDocument } from './parse.js';
import type { RuleIssue } from './types.js';
import {
  allOfEvent,
  anyOfEvent,
  compileFieldEntry,
  compileKeywords,
  type EventTest,
  type KeywordSource,
  ValueError,
} from './values.js';
import { issueAt, type YEntry, type YNode } from './yaml.js';

/**
 * What the rules of one set share while matching: interned field paths and the strings of the
 * current event for keyword search. `next()` marks a new event; the engine calls it once per
 * event, so keyword rules walk an event once between them.
 */
export interface MatchContext {
  field(path: string): FieldAccessor;
  keywords: KeywordSource;
  next(): void;
}

export function createMatchContext(): MatchContext {
  const epoch: Epoch = { value: 0 };
  const field = createFieldTable(epoch);
  let current: unknown;
  let fresh = false;
  let strings: { raw: readonly string[]; lower: readonly string[] } = { raw: [], lower: [] };
  return {
    field,
    keywords(event) {
      if (!fresh || event !== current) {
        const raw = collectStrings(event);
        strings = { raw, lower: raw.map((s) => s.toLowerCase()) };
        current = event;
        fresh = true;
      }
      return strings;
    },
    next() {
      epoch.value++;
      fresh = false;
    },
  };
}

/**
 * Compiles a detection: each search identifier to a test, the condition(s) to their
 * combination. Every problem found is reported, not only the first.
 */
export function compileDetection(
  doc: DetectionDocument,
  context: MatchContext,
): { test: EventTest } | { errors: RuleIssue[] } {
  const errors: RuleIssue[] = [];
  const searches = new Map<string, EventTest>();
  for (const search of doc.searches) {
    try {
      searches.set(search.key, compileSearch(search, context));
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      errors.push(issueAt(doc.file, error.pos, `${search.key}: ${error.message}`, error.feature));
      // Still a name the condition may use; its error is already reported.
      searches.set(search.key, () => false);
    }
  }
  const names = [...searches.keys()];
  const tests: EventTest[] = [];
  for (const condition of doc.conditions) {
    try {
      tests.push(resolve(parseCondition(condition.text), searches, names));
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      errors.push(
        issueAt(
          doc.file,
          condition.pos,
          `condition: ${error.message} (at character ${error.at + 1})`,
          error.feature,
        ),
      );
    }
  }
  return errors.length > 0 ? { errors } : { test: anyOfEvent(tests) };
}

function compileSearch(search: YEntry, context: MatchContext): EventTest {
  const node = search.value;
  if (node.kind === 'map') return compileMap(node, context);
  if (node.kind === 'seq') {
    if (node.items.length === 0) throw new ValueError(node.pos, 'empty list');
    const keywords: YNode[] = [];
    const tests: EventTest[] = [];
    for (const item of node.items) {
      if (item.kind === 'scalar') keywords.push(item);
      else if (item.kind === 'map') tests.push(compileMap(item, context));
      else throw new ValueError(item.pos, 'a list in a search holds values or maps, not lists');
    }
    if (keywords.length > 0) {
      const list: YNode = { kind: 'seq', pos: node.pos, items: keywords };
      tests.push(
        compileKeywords({ field: '', kind: 'plain', all: false, flags: '' }, list, context.keywords),
      );
    }
    return anyOfEvent(tests);
  }
  throw new ValueError(node.pos, 'a search identifier must be a map of fields or a list');
}

/** A map of fields: every entry must hold. */
function compileMap(node: Extract<YNode, { kind: 'map' }>, context: MatchContext): EventTest {
  if (node.entries.length === 0) throw new ValueError(node.pos, 'empty map');
  const tests = node.entries.map((entry) => {
    const chain = readModifiers(entry.key);
    if ('message' in chain) throw new ValueError(entry.keyPos, chain.message, chain.feature);
    if (chain.field === '') return compileKeywords(chain, entry.value, context.keywords);
    try {
      return compileFieldEntry(chain, entry.value, context.field(chain.field));
    } catch (error) {
      if (error instanceof ValueError)
        throw new ValueError(error.pos, `${entry.key}: ${error.message}`, error.feature);
      throw error;
    }
  });
  return allOfEvent(tests);
}

function resolve(node: ConditionNode, searches: Map<string, EventTest>, names: string[]): EventTest {
  switch (node.op) {
    case 'and':
      return allOfEvent(node.args.map((arg) => resolve(arg, searches, names)));
    case 'or':
      return anyOfEvent(node.args.map((arg) => resolve(arg, searches, names)));
    case 'not': {
      const inner = resolve(node.arg, searches, names);
      return (event) => !inner(event);
    }
    case 'ref': {
      const test = searches.get(node.name);
      if (!test) throw new ConditionError(`unknown search identifier '${node.name}'`, node.at);
      return test;
    }
    case 'of': {
      const selected = selectIdentifiers(node.pattern, names);
      const shown = `${node.quantifier === 'one' ? '1' : 'all'} of ${node.pattern ?? 'them'}`;
      if (selected.length === 0) throw new ConditionError(`'${shown}' matches no search identifier`, node.at);
      const tests = selected.map((name) => searches.get(name) as EventTest);
      return node.quantifier === 'one' ? anyOfEvent(tests) : allOfEvent(tests);
    }
  }
}
