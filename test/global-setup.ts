import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Compiles src/ to dist/ once, for the tests that run Custos as a real process. */
export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
