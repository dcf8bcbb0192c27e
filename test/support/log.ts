import { Writable } from 'node:stream';
import { createLogger } from '../../src/core/logger.js';

/** A real logger writing JSON lines into memory, for tests about what gets logged. */
export function captureLog(level = 'info') {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    logger: createLogger({ level, pretty: false, destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
