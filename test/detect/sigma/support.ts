import { expect } from 'vitest';
import { createEvent } from '../../../src/core/events.js';
import { type LoadResult, loadRuleSources } from '../../../src/detect/sigma/load.js';
import type { CompiledDetection } from '../../../src/detect/sigma/ruleset.js';

/** Strips the indentation common to a template's lines, so rules can be written inline. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  return dedent(
    strings.reduce((out, part, i) => out + part + (i < values.length ? String(values[i]) : ''), ''),
  );
}

export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((line) => line.slice(indent)).join('\n');
}

/** Loads rule texts named rule.yml, other.yml, … in order. */
export function load(...texts: string[]): LoadResult {
  const names = ['rule.yml', 'other.yml', 'third.yml'];
  return loadRuleSources(texts.map((text, i) => ({ file: names[i] ?? `file${i}.yml`, text })));
}

/** A detection rule on Custos access events, with these search identifiers (YAML, 2-space indented). */
export function detectionRule(searches: string, condition = 'selection', extra = ''): string {
  const body = dedent(searches)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `title: Test rule\nlogsource:\n  product: custos\n  category: access\ndetection:\n${body}\n  condition: ${condition}\n${extra}`;
}

/** Compiles one detection rule and fails the test on any error. */
export function compileOne(searches: string, condition = 'selection'): CompiledDetection {
  const result = load(detectionRule(searches, condition));
  expect(result.errors).toEqual([]);
  const [rule] = result.rules;
  if (rule?.kind !== 'detection') throw new Error('no detection compiled');
  return rule;
}

/** The errors of loading these rule texts, as `file:line message` strings. */
export function errorsOf(...texts: string[]): string[] {
  return load(...texts).errors.map((e) => `${e.file}:${e.line} ${e.message}`);
}

let counter = 0;

/** A Custos event: an access event at `time` by default, with `payload` in `unmapped`. */
export function event(
  payload: Record<string, unknown> = {},
  options: { time?: number; topic?: string; classUid?: number; actor?: string; uid?: string } = {},
) {
  counter++;
  return createEvent({
    uid: options.uid ?? `evt_${counter}`,
    topic: options.topic ?? 'access.grant.issued',
    classUid: options.classUid ?? 3005,
    activityId: 1,
    time: options.time ?? Date.UTC(2026, 0, 1),
    message: 'test event',
    ...(options.actor ? { actor: { user: { uid: options.actor } } } : {}),
    payload,
  });
}
