import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { isMaskedPath } from './config.mask.js';
import { type Config, configSchema } from './config.schema.js';
import { CustosError } from './errors.js';

type AnySchema = z.ZodType;

/** Unwraps default/optional/pipe wrappers to reach the schema that holds the shape. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema as AnySchema & { def: { type: string; innerType?: AnySchema; in?: AnySchema } };
  for (;;) {
    const def = current.def;
    if (['default', 'prefault', 'optional', 'nullable'].includes(def.type) && def.innerType) {
      current = def.innerType as typeof current;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in as typeof current;
    } else {
      return current;
    }
  }
}

export interface ConfigKey {
  path: string;
  env: string;
  description: string;
  kind: 'scalar' | 'json';
}

function envName(path: string[]): string {
  return `CUSTOS_${path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

/** Every settable key of the schema with its environment variable and description. */
export function configKeys(schema: AnySchema = configSchema, prefix: string[] = []): ConfigKey[] {
  const inner = unwrap(schema) as AnySchema & { def: { type: string }; shape?: Record<string, AnySchema> };
  if (inner.def.type === 'object' && inner.shape) {
    return Object.entries(inner.shape).flatMap(([key, child]) => configKeys(child, [...prefix, key]));
  }
  const isStructured =
    inner.def.type === 'object' || inner.def.type === 'array' || inner.def.type === 'record';
  return [
    {
      path: prefix.join('.'),
      env: envName(prefix),
      description: schema.description ?? inner.description ?? '',
      kind: isStructured ? 'json' : 'scalar',
    },
  ];
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (!next || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const existing = out[key];
    const bothObjects =
      value && typeof value === 'object' && !Array.isArray(value) && existing && typeof existing === 'object';
    out[key] = bothObjects
      ? deepMerge(existing as Record<string, unknown>, value as Record<string, unknown>)
      : value;
  }
  return out;
}

/** Environment variables that belong to Custos but are not config keys. */
const reservedEnv = new Set(['CUSTOS_CONFIG']);

export interface LoadConfigOptions {
  /** Path of a YAML file; `CUSTOS_CONFIG` is used when absent. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values that override every source, e.g. from command-line flags. */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: Config;
  /** Where values came from, for `config print`. */
  sources: string[];
  /** CUSTOS_* variables that name no key (likely typos). */
  unknownEnv: string[];
}

function describeIssue(issue: z.core.$ZodIssue, path: string): string {
  const secret = isMaskedPath(path);
  // zod messages do not echo input values; we keep it that way so secrets never reach a log.
  return `${path || '(root)'}: ${issue.message}${secret ? ' (value masked)' : ''}`;
}

/** Reads defaults, then the YAML file, then CUSTOS_* variables, then overrides; fails naming the key. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const sources = ['defaults'];
  let raw: Record<string, unknown> = {};

  const file = options.file ?? env.CUSTOS_CONFIG;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CustosError('config.invalid', `cannot read config file ${file}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text) ?? {};
    } catch (error) {
      throw new CustosError(
        'config.invalid',
        // The parser quotes the offending lines, which may hold a secret; keep only its summary line.
        `config file ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]?.replace(/:$/, '')}`,
      );
    }
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new CustosError('config.invalid', `config file ${file} must hold a mapping at the top level`);
    }
    raw = parsed as Record<string, unknown>;
    sources.push(`file ${file}`);
  }

  const keys = configKeys();
  const byEnv = new Map(keys.map((key) => [key.env, key]));
  const unknownEnv: string[] = [];
  const envUsed: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('CUSTOS_') || value === undefined || reservedEnv.has(name)) continue;
    if (name.startsWith('CUSTOS_TEST_')) continue;
    const key = byEnv.get(name);
    if (!key) {
      unknownEnv.push(name);
      continue;
    }
    let parsedValue: unknown = value;
    if (key.kind === 'json') {
      try {
        parsedValue = JSON.parse(value);
      } catch {
        throw new CustosError('config.invalid', `${name} (${key.path}): expected JSON`);
      }
    }
    envUsed.push(name);
    setPath(raw, key.path.split('.'), parsedValue);
  }
  if (envUsed.length) sources.push(`environment ${envUsed.sort().join(', ')}`);

  const overrides = Object.entries(options.overrides ?? {}).filter(([, value]) => value !== undefined);
  for (const [path, value] of overrides) setPath(raw, path.split('.'), value);
  if (overrides.length) sources.push(`flags ${overrides.map(([path]) => path).join(', ')}`);

  const result = configSchema.safeParse(deepMerge({}, raw));
  if (!result.success) {
    const lines = result.error.issues.map((issue) => describeIssue(issue, issue.path.join('.')));
    throw new CustosError('config.invalid', `invalid configuration:\n  ${lines.join('\n  ')}`, {
      issues: lines,
    });
  }
  return { config: result.data, sources, unknownEnv };
}
