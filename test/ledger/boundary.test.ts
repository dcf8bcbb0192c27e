import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** Runtime imports reachable from a module (type-only imports are erased and skipped). */
function runtimeImports(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = match[1] as string;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(join(root, entry));
  return { files: [...files].map((f) => relative(root, f)).sort(), packages: [...packages].sort() };
}

describe('custos/ledger entry point', () => {
  it('reaches no server code: only node built-ins, canonicalize, the ledger and the error registry', () => {
    const { files, packages } = runtimeImports('src/ledger/index.ts');
    for (const name of packages) expect(name, name).toMatch(/^(node:|canonicalize$)/);
    for (const file of files) expect(file).toMatch(/^src\/(ledger\/|core\/errors\.ts$)/);
    expect(files).toContain('src/ledger/verify.ts');
  });
});
