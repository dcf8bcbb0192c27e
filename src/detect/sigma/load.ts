import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseRuleFile, type RuleDocument } from './parse.js';
import { type CompiledRule, compileRules } from './ruleset.js';
import type { RuleIssue } from './types.js';
import { maxFileBytes } from './yaml.js';

export interface LoadResult {
  rules: CompiledRule[];
  errors: RuleIssue[];
  warnings: RuleIssue[];
}

/** A rule file's name and text, for loading rules that do not come from a folder. */
export interface RuleSource {
  file: string;
  text: string;
}

/**
 * Parses and compiles rule texts as one set, so correlations may name rules in other files.
 * Problems are returned, never thrown: a bad file or rule never stops the others.
 */
export function loadRuleSources(sources: readonly RuleSource[]): LoadResult {
  const documents: RuleDocument[] = [];
  const errors: RuleIssue[] = [];
  const warnings: RuleIssue[] = [];
  for (const { file, text } of sources) {
    const parsed = parseRuleFile(text, file);
    documents.push(...parsed.documents);
    errors.push(...parsed.errors);
    warnings.push(...parsed.warnings);
  }
  const set = compileRules(documents);
  return { rules: set.rules, errors: [...errors, ...set.errors], warnings: [...warnings, ...set.warnings] };
}

/** Files deeper than this under the rule folder are not looked for. */
const maxFolderDepth = 16;

/**
 * Loads every `*.yml` and `*.yaml` file under a folder (recursively, in name order; hidden
 * entries and symbolic links skipped). Files are named in issues relative to the folder.
 */
export async function loadRules(folder: string): Promise<LoadResult> {
  const sources: RuleSource[] = [];
  const errors: RuleIssue[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      errors.push({
        file: relativeName(folder, dir),
        line: 1,
        message: `cannot read folder: ${describe(error)}`,
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth < maxFolderDepth) await walk(path, depth + 1);
      else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) {
        const file = relativeName(folder, path);
        try {
          const info = await stat(path);
          if (info.size > maxFileBytes) {
            errors.push({ file, line: 1, message: `file is larger than ${maxFileBytes} bytes` });
            continue;
          }
          sources.push({ file, text: await readFile(path, 'utf8') });
        } catch (error) {
          errors.push({ file, line: 1, message: `cannot read file: ${describe(error)}` });
        }
      }
    }
  };
  await walk(folder, 0);
  const loaded = loadRuleSources(sources);
  return { ...loaded, errors: [...errors, ...loaded.errors] };
}

function relativeName(folder: string, path: string): string {
  return relative(folder, path).split(sep).join('/') || '.';
}

function describe(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
