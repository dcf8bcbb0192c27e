import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The module table of the architecture (docs/architecture.md, "Layers and modules"), as rules.
const root = resolve(import.meta.dirname, '..');
const srcDir = join(root, 'src');

const domains = ['identity', 'access', 'ato', 'discovery', 'detect', 'respond', 'findings'];

/**
 * What each module may import besides itself; `everything` for the composition root. The shared
 * design's table, with the widenings docs/architecture.md explains: identity uses limits/ (its
 * sign-in throttle is a hot-path guard, as the takeover and discovery guards are), the API serves
 * the ledger's files and the store's health, and the CLI composes Custos, works on ledger files
 * and the store, and runs the simulator, as an operator's tool.
 */
const mayImport: Record<string, readonly string[] | 'everything'> = {
  core: [],
  store: ['core'],
  ledger: ['core', 'store'],
  limits: ['core'],
  bus: ['core'],
  identity: ['core', 'store', 'limits'],
  access: ['core', 'store', 'ledger'],
  ato: ['core', 'store', 'ledger', 'limits'],
  discovery: ['core', 'store', 'ledger', 'limits'],
  detect: ['core', 'store', 'ledger'],
  respond: ['core', 'store', 'ledger'],
  findings: ['core', 'store', 'ledger'],
  api: [...domains, 'core', 'ledger', 'store'],
  cli: [...domains, 'core', 'ledger', 'store', 'app.ts', 'sim', 'sdk'],
  sdk: [],
  sim: ['sdk', ...domains, 'core'],
  'app.ts': 'everything',
};

const maxLines = 450;

/**
 * Imports the table forbids that the code has, each by file and module imported, with why it is
 * tolerated. A test below fails once one of them is gone, so the list only shrinks.
 */
const knownImportExceptions: ReadonlyArray<{ file: string; imports: string; why: string }> = [
  // A type-only import, erased from the built SDK (test/sdk/boundary.test.ts allows exactly this).
  { file: 'src/sdk/errors.ts', imports: 'core', why: 'the ErrorCode type' },
];

/**
 * Tables with one owning file: nothing else may insert, update or delete their rows. Grants are
 * issued and revoked only through access/grants.ts, which logs and announces each change.
 */
const tableOwners: Record<string, string> = {
  access_grants: 'src/access/grants.ts',
  access_grant_subjects: 'src/access/grants.ts',
};

interface SourceFile {
  /** Path from the repository root, with forward slashes. */
  path: string;
  text: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

function sourceFiles(): SourceFile[] {
  return filesUnder(srcDir).map((file) => ({
    path: relative(root, file).split(sep).join('/'),
    text: readFileSync(file, 'utf8'),
  }));
}

/** The module a path under src/ belongs to: its first folder, or the file name at the top. */
function moduleOf(pathFromRoot: string): string | undefined {
  const parts = pathFromRoot.split('/');
  if (parts[0] !== 'src' || parts.length < 2) return undefined;
  return parts[1];
}

/**
 * Every import of ours the table forbids, one line each. TypeScript's pre-processor lists
 * imports, `import type`, re-exports, dynamic `import()` and `require()`.
 */
function forbiddenImports(files: readonly SourceFile[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    if (!/\.[cm]?[jt]sx?$/.test(file.path)) continue;
    const from = moduleOf(file.path) as string;
    const allowed = mayImport[from];
    if (!allowed) {
      found.push(`${file.path}: module ${from} is not in the architecture's module table`);
      continue;
    }
    const { importedFiles } = ts.preProcessFile(file.text, true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) continue;
      // ESM specifiers name the emitted .js of a .ts source.
      const target = relative(root, resolve(root, dirname(file.path), specifier))
        .split(sep)
        .join('/')
        .replace(/\.js$/, '.ts');
      const to = moduleOf(target);
      if (to === from || allowed === 'everything') continue;
      if (to === undefined) {
        found.push(`${file.path} imports ${specifier}, outside src/`);
      } else if (!allowed.includes(to)) {
        const rule = allowed.length ? `may import ${allowed.join(', ')}` : 'may import nothing of ours';
        found.push(`${file.path} imports ${specifier}: ${from} ${rule}, not ${to}`);
      }
    }
  }
  return found;
}

function isKnownImport(violation: string): boolean {
  return knownImportExceptions.some(
    (known) => violation.startsWith(`${known.file} imports `) && violation.endsWith(`, not ${known.imports}`),
  );
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function longFiles(files: readonly SourceFile[]): string[] {
  return files
    .filter((file) => lineCount(file.text) > maxLines)
    .map((file) => `${file.path} has ${lineCount(file.text)} lines, over ${maxLines}`);
}

describe('the module table', () => {
  const files = sourceFiles();
  const violations = forbiddenImports(files);

  it('reads every file of src/', () => {
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['src/app.ts', 'src/core/errors.ts']));
    expect(files.length).toBeGreaterThan(50);
  });

  it('is kept by every import in src/, but for the known exceptions', () => {
    expect(violations.filter((violation) => !isKnownImport(violation))).toEqual([]);
  });

  it('lists as known exceptions only imports that still break it', () => {
    const gone = knownImportExceptions.filter(
      (known) =>
        !violations.some(
          (v) => v.startsWith(`${known.file} imports `) && v.endsWith(`, not ${known.imports}`),
        ),
    );
    expect(gone.map((known) => `${known.file} -> ${known.imports} is fixed: drop it from the list`)).toEqual(
      [],
    );
  });

  it('catches every kind of import, and only forbidden ones', () => {
    const planted: SourceFile[] = [
      {
        path: 'src/identity/planted.ts',
        text: [
          "import { createGrants } from '../access/grants.js';",
          "import type { Ledger } from '../ledger/ledger.js';",
          "export { parseTilePath } from '../ledger/tiles.js';",
          "export type { Store } from '../store/store.js';",
          "const lazy = await import('../bus/memory.js');",
          "const required = require('../bus/webhook.js');",
          "import { newId } from '../core/ids.js';",
          "import { hashPassword } from './passwords.js';",
          "import { z } from 'zod';",
          "import { readFileSync } from 'node:fs';",
        ].join('\n'),
      },
      { path: 'src/core/planted.ts', text: "import type { Store } from '../store/store.js';" },
      { path: 'src/sdk/planted.ts', text: "import { createCustos } from '../app.js';" },
      { path: 'src/access/planted.ts', text: "import type { Policy } from '../../policies/x.js';" },
      { path: 'src/gateway/planted.ts', text: "import { newId } from '../core/ids.js';" },
      { path: 'src/app.ts', text: "import { createGrants } from './access/grants.js';" },
    ];
    expect(forbiddenImports(planted)).toEqual([
      'src/identity/planted.ts imports ../access/grants.js: identity may import core, store, limits, not access',
      'src/identity/planted.ts imports ../ledger/ledger.js: identity may import core, store, limits, not ledger',
      'src/identity/planted.ts imports ../ledger/tiles.js: identity may import core, store, limits, not ledger',
      'src/identity/planted.ts imports ../bus/memory.js: identity may import core, store, limits, not bus',
      'src/identity/planted.ts imports ../bus/webhook.js: identity may import core, store, limits, not bus',
      'src/core/planted.ts imports ../store/store.js: core may import nothing of ours, not store',
      'src/sdk/planted.ts imports ../app.js: sdk may import nothing of ours, not app.ts',
      'src/access/planted.ts imports ../../policies/x.js, outside src/',
      "src/gateway/planted.ts: module gateway is not in the architecture's module table",
    ]);
  });
});

describe('file length', () => {
  const files = sourceFiles();

  it(`keeps every file in src/ at ${maxLines} lines or fewer`, () => {
    expect(longFiles(files)).toEqual([]);
  });

  it('counts lines as wc -l does', () => {
    expect(lineCount('a\nb\n')).toBe(2);
    expect(lineCount('a\nb')).toBe(2);
    expect(longFiles([{ path: 'src/core/x.ts', text: 'x\n'.repeat(maxLines + 1) }])).toEqual([
      `src/core/x.ts has ${maxLines + 1} lines, over ${maxLines}`,
    ]);
    expect(longFiles([{ path: 'src/core/x.ts', text: 'x\n'.repeat(maxLines) }])).toEqual([]);
  });
});

/** Every place in src/ that writes a table, as `file: table` lines. */
function tableWriters(files: readonly SourceFile[]): string[] {
  const writes = /\b(?:insertInto|updateTable|deleteFrom)\(\s*'([a-z_]+)'|table:\s*'([a-z_]+)'/g;
  const found: string[] = [];
  for (const file of files) {
    for (const match of file.text.matchAll(writes)) found.push(`${file.path}: ${match[1] ?? match[2]}`);
  }
  return found;
}

describe('table owners', () => {
  it('lets only the owning file write grants', () => {
    const writers = tableWriters(sourceFiles()).filter((line) => {
      const [file, table] = line.split(': ') as [string, string];
      return tableOwners[table] !== undefined && tableOwners[table] !== file;
    });
    expect(writers).toEqual([]);
  });

  it('finds writes by the query builder and by bulk inserts', () => {
    expect(
      tableWriters([
        { path: 'src/access/tickets.ts', text: "await tx.updateTable('access_grants').set({})" },
        { path: 'src/access/x.ts', text: "insertMany([{ table: 'access_grant_subjects', rows }])" },
        { path: 'src/access/y.ts', text: "tx.selectFrom('access_grants')" },
      ]),
    ).toEqual(['src/access/tickets.ts: access_grants', 'src/access/x.ts: access_grant_subjects']);
  });
});
