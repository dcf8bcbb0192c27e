/**
 * Configuration: one zod schema parsed once at boot (`config.schema.ts`, a file per domain's
 * section), loaded from defaults, a YAML file, `CUSTOS_*` variables and flags (`config.load.ts`),
 * and printed with secrets masked (`config.mask.ts`).
 */
export { parseDuration } from './config.fields.js';
export {
  type ConfigKey,
  configKeys,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
} from './config.load.js';
export { maskSecrets } from './config.mask.js';
export { roleNames } from './config.roles.js';
export { type Config, type ConfigInput, configSchema, type Role } from './config.schema.js';
