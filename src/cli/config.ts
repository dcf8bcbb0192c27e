import type { Command } from 'commander';
import { stringify } from 'yaml';
import { configKeys, loadConfig, maskSecrets } from '../core/config.js';
import type { GlobalOptions, Io } from './context.js';

export function registerConfig(program: Command, io: Io): void {
  const config = program.command('config').description('inspect configuration');

  config
    .command('print')
    .description('print the effective configuration with secrets masked, and where it came from')
    .action((_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const loaded = loadConfig({ file: options.config, overrides: { dataDir: options.dataDir } });
      const masked = maskSecrets(loaded.config);
      if (options.json) {
        io.out(JSON.stringify({ config: masked, sources: loaded.sources, unknownEnv: loaded.unknownEnv }));
        return;
      }
      io.out(`# sources, lowest precedence first: ${loaded.sources.join('; ')}`);
      for (const name of loaded.unknownEnv) io.out(`# warning: ${name} is not a Custos setting`);
      io.out(stringify(masked).trimEnd());
    });

  config
    .command('keys')
    .description('list every setting with its environment variable and meaning')
    .action((_options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const keys = configKeys();
      if (options.json) {
        io.out(JSON.stringify(keys));
        return;
      }
      for (const key of keys) io.out(`${key.path.padEnd(28)} ${key.env.padEnd(36)} ${key.description}`);
    });
}
