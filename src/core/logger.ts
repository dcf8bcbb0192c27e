import { type Logger, pino } from 'pino';

export type { Logger };

/** Fields that may carry secrets or credentials; pino replaces them before a line is written. */
export const redactedPaths = [
  'password',
  '*.password',
  'newPassword',
  '*.newPassword',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

export interface LoggerOptions {
  level: string;
  pretty: boolean;
  /** Where lines go; stdout by default (fd 1). */
  destination?: NodeJS.WritableStream;
}

/** The process logger: JSON lines by default, secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    base: { service: 'custos' },
  };
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}
