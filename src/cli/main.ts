#!/usr/bin/env node
import { isCustosError } from '../core/errors.js';
import { processIo } from './context.js';
import { buildProgram } from './program.js';

try {
  await buildProgram(processIo).parseAsync(process.argv);
} catch (error) {
  if (isCustosError(error)) {
    processIo.err(`error: ${error.message}`);
    process.exitCode = error.code === 'request.invalid' ? 2 : 1;
  } else {
    processIo.err(`error: ${(error as Error).message ?? String(error)}`);
    process.exitCode = 1;
  }
}
