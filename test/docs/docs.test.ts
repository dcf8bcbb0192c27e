import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeys } from '../../src/core/config.js';

const root = join(import.meta.dirname, '..', '..');

describe('documentation', () => {
  it('documents every configuration key with its environment variable', () => {
    const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
    for (const key of configKeys()) {
      expect(doc, key.path).toContain(`| \`${key.path}\` | \`${key.env}\` |`);
    }
  });

  it('opens the README with the install-and-start and the test commands', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm ci && npm start', 'npm test']);
  });
});
