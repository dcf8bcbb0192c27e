import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { apiKeySchema, userSchema } from '../../src/api/schemas.js';
import type { Role as CoreRole } from '../../src/core/config.js';
import type { ApiKey, Role, User, UserRole } from '../../src/sdk/index.js';
import { sdkVersion } from '../../src/sdk/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sdkDir = join(root, 'src/sdk');
// The one server file the SDK may name, and only in `import type`: erased from the built JS.
const typeOnlyAllowed = new Set([join(root, 'src/core/errors.ts')]);

/** Every import, re-export, dynamic import and require in `source` that would survive compilation. */
function boundaryViolations(file: string, source: string): string[] {
  const violations: string[] = [];
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2023, true);
  const where = (node: ts.Node) =>
    `${relative(root, file)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;

  function checkSpecifier(node: ts.Node, specifier: string, typeOnly: boolean) {
    if (specifier.startsWith('node:')) return;
    if (specifier.startsWith('.')) {
      const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
      if (target.startsWith(`${sdkDir}/`)) return;
      if (typeOnly && typeOnlyAllowed.has(target)) return;
    }
    violations.push(`${where(node)} ${typeOnly ? 'type ' : ''}import of ${specifier}`);
  }

  function visit(node: ts.Node) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      // Under verbatimModuleSyntax `import { type X }` still emits an import: only `import type` is erased.
      checkSpecifier(node, node.moduleSpecifier.text, node.importClause?.isTypeOnly === true);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      checkSpecifier(node, node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node)) {
      violations.push(`${where(node)} import = require`);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword) violations.push(`${where(node)} dynamic import()`);
      if (ts.isIdentifier(callee) && callee.text === 'require') violations.push(`${where(node)} require()`);
    }
    ts.forEachChild(node, visit);
  }
  visit(sf);
  return violations;
}

function sdkFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sdkFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('the SDK boundary', () => {
  it('imports at run time nothing but node built-ins and its own files', () => {
    const files = sdkFiles(sdkDir);
    expect(files.map((f) => relative(sdkDir, f))).toContain('index.ts');
    const violations = files.flatMap((file) => boundaryViolations(file, readFileSync(file, 'utf8')));
    expect(violations).toEqual([]);
  });

  it('catches the imports it is meant to catch', () => {
    const file = join(sdkDir, 'example.ts');
    const source = [
      "import { z } from 'zod';",
      "import { type ErrorCode } from '../core/errors.js';",
      "import type { Store } from '../store/store.js';",
      "export { createCustos } from '../app.js';",
      "const mod = await import('kysely');",
      "import type { ErrorDetails } from '../core/errors.js';",
      "import { readFileSync } from 'node:fs';",
      "export type { User } from './types.js';",
    ].join('\n');
    expect(boundaryViolations(file, source).map((v) => v.replace(/^\S+ /, ''))).toEqual([
      'import of zod',
      'import of ../core/errors.js',
      'type import of ../store/store.js',
      'import of ../app.js',
      'dynamic import()',
    ]);
  });

  it('hand-typed resources match the server schemas', () => {
    expectTypeOf<User>().toEqualTypeOf<z.infer<typeof userSchema>>();
    expectTypeOf<ApiKey>().toEqualTypeOf<z.infer<typeof apiKeySchema>>();
    expectTypeOf<Role>().toEqualTypeOf<CoreRole>();
    expectTypeOf<UserRole>().toEqualTypeOf<Exclude<CoreRole, 'service'>>();
  });

  it('reports the package version in its User-Agent', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(sdkVersion).toBe(pkg.version);
  });
});
