import type { Command } from 'commander';
import { type CreateCustosOptions, type Custos, createCustos } from '../app.js';
import { type Config, loadConfig } from '../core/config.js';
import { CustosError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';

/** Where a command writes; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Reads all of standard input (for secrets that must not appear in argv). */
  readStdin(): Promise<string>;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** Options every command accepts (declared on the root program). */
export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

/** Loads config from the file, environment and the flags that map onto config keys. */
export function configFrom(options: GlobalOptions, io: Io, extra: Record<string, unknown> = {}): Config {
  const loaded = loadConfig({
    file: options.config,
    overrides: { dataDir: options.dataDir, ...extra },
  });
  for (const name of loaded.unknownEnv)
    io.err(`warning: ${name} is not a Custos setting (see custos config keys)`);
  return loaded.config;
}

/** Builds Custos for a one-shot command, runs `work`, and always closes it. */
export async function withCustos<T>(
  command: Command,
  io: Io,
  work: (custos: Custos, options: GlobalOptions & Record<string, unknown>) => Promise<T>,
  createOptions: CreateCustosOptions = {},
): Promise<T> {
  const options = command.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
  const config = configFrom(options, io);
  // One-shot commands keep stdout for their output; only warnings go to stderr.
  const logger = createLogger({ level: 'warn', pretty: false, destination: process.stderr });
  const custos = await createCustos(config, { logger, ...createOptions });
  try {
    return await work(custos, options);
  } finally {
    await custos.close();
  }
}

/** Prints rows as an aligned table. */
export function printTable(io: Io, rows: Array<Record<string, string>>): void {
  if (rows.length === 0) {
    io.out('(none)');
    return;
  }
  const columns = Object.keys(rows[0] as Record<string, string>);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  io.out(line(columns.map((c) => c.toUpperCase())));
  for (const row of rows) io.out(line(columns.map((c) => row[c] ?? '')));
}

export function formatTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Parses a list flag: repeated or comma-separated. */
export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

export function usageError(message: string): CustosError {
  return new CustosError('request.invalid', message);
}
