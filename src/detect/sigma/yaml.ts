import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import type { RuleIssue } from './types.js';

/** A place in a rule file, 1-based. */
export interface Pos {
  line: number;
  column: number;
}

export type Scalar = string | number | boolean | null;

/** A YAML node reduced to what rules use, each part with its place in the file. */
export type YNode =
  | { kind: 'map'; pos: Pos; entries: YEntry[] }
  | { kind: 'seq'; pos: Pos; items: YNode[] }
  | { kind: 'scalar'; pos: Pos; value: Scalar };

export interface YEntry {
  key: string;
  keyPos: Pos;
  value: YNode;
}

/** One document of a file: its node (absent when the document is empty) and where it starts. */
export interface YDocument {
  index: number;
  pos: Pos;
  root: YNode | undefined;
}

/** Over this, a file is refused whole: rule files are a few kilobytes. */
export const maxFileBytes = 1024 * 1024;

/** Deeper YAML than this is not a rule; refusing it keeps the walk's stack bounded. */
const maxDepth = 64;

class NodeError extends Error {
  constructor(
    readonly pos: Pos,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses every document of a file. A document with YAML errors is reported and left out; the
 * others still come back, so one broken rule in a multi-document file does not hide the rest.
 */
export function readYaml(text: string, file: string): { documents: YDocument[]; errors: RuleIssue[] } {
  const errors: RuleIssue[] = [];
  if (text.length > maxFileBytes) {
    errors.push({ file, line: 1, message: `file is larger than ${maxFileBytes} bytes` });
    return { documents: [], errors };
  }
  const lineCounter = new LineCounter();
  const posAt = (offset: number): Pos => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: Math.max(line, 1), column: col };
  };
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const docs = Array.isArray(parsed) ? parsed : [];
  const documents: YDocument[] = [];
  docs.forEach((doc, index) => {
    const start = posAt(doc.range[0]);
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const at = posAt(error.pos[0]);
        errors.push({ file, line: at.line, column: at.column, message: `YAML: ${firstLine(error.message)}` });
      }
      return;
    }
    try {
      const root = doc.contents === null ? undefined : convert(doc.contents, posAt, 0);
      documents.push({ index, pos: root?.pos ?? start, root });
    } catch (error) {
      if (!(error instanceof NodeError)) throw error;
      errors.push({ file, line: error.pos.line, column: error.pos.column, message: error.message });
    }
  });
  return { documents, errors };
}

function firstLine(message: string): string {
  const newline = message.indexOf('\n');
  return newline < 0 ? message : message.slice(0, newline);
}

function convert(node: Node, posAt: (offset: number) => Pos, depth: number): YNode {
  const pos = posAt(node.range?.[0] ?? 0);
  if (depth > maxDepth) throw new NodeError(pos, `YAML nested deeper than ${maxDepth} levels`);
  if (isAlias(node)) throw new NodeError(pos, 'YAML aliases are not supported in rules');
  if (isScalar(node)) {
    const value = node.value;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') {
      return { kind: 'scalar', pos, value };
    }
    if (typeof value === 'number') return { kind: 'scalar', pos, value };
    throw new NodeError(pos, `unsupported YAML value of type ${typeof value}`);
  }
  if (isSeq(node)) {
    return {
      kind: 'seq',
      pos,
      items: node.items.map((item) => {
        if (item === null || typeof item !== 'object') throw new NodeError(pos, 'empty list item');
        return convert(item as Node, posAt, depth + 1);
      }),
    };
  }
  if (isMap(node)) {
    const entries: YEntry[] = [];
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      if (!key || !isScalar(key) || (key.value !== null && typeof key.value === 'object')) {
        throw new NodeError(pos, 'map keys must be plain text');
      }
      const keyPos = posAt(key.range?.[0] ?? 0);
      const value = pair.value as Node | null;
      entries.push({
        key: String(key.value ?? ''),
        keyPos,
        value: value ? convert(value, posAt, depth + 1) : { kind: 'scalar', pos: keyPos, value: null },
      });
    }
    return { kind: 'map', pos, entries };
  }
  throw new NodeError(pos, 'unsupported YAML node');
}

/** The entry of a map with this key. */
export function entryOf(node: YNode, key: string): YEntry | undefined {
  if (node.kind !== 'map') return undefined;
  return node.entries.find((entry) => entry.key === key);
}

/** An issue located at a node. */
export function issueAt(file: string, pos: Pos, message: string, feature?: string): RuleIssue {
  const issue: RuleIssue = { file, line: pos.line, column: pos.column, message };
  if (feature !== undefined) issue.feature = feature;
  return issue;
}
