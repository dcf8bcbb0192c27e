#!/usr/bin/env node
// Prints the settings table of docs/configuration.md from the config schema (run after a build):
//   node scripts/config-table.mjs > /tmp/table.md
import { configKeys, loadConfig } from '../dist/core/config.js';

const { config } = loadConfig({ env: {} });
const valueAt = (path) =>
  path.split('.').reduce((node, key) => (node == null ? undefined : node[key]), config);
for (const key of configKeys()) {
  const value = valueAt(key.path);
  const shown = value === undefined ? '—' : `\`${JSON.stringify(value)}\``;
  console.log(`| \`${key.path}\` | \`${key.env}\` | ${shown} | ${key.description.replaceAll('|', '\\|')} |`);
}
