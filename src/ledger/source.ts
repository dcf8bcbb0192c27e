/**
 * Read-only access to a published tlog-tiles log (c2sp.org/tlog-tiles): a local folder or an
 * HTTP(S) URL prefix. Only node:fs and the global fetch are used, so outside auditors can import
 * it through `custos/ledger` without any server code.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { CustosError } from '../core/errors.js';

/** Where a verifier or prover reads a log's files from; paths are relative, like `tile/0/000`. */
export interface LogSource {
  /** The file's bytes, or undefined when it does not exist; throws when it cannot be read. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Where `path` lives (a file name or URL), for messages. */
  describe(path: string): string;
  /**
   * Every file of the log, as relative paths. Only sources that can enumerate (a folder) have it;
   * the verifier uses it to check leftover partial tiles that the checkpoint no longer needs.
   */
  list?(): AsyncIterable<string>;
}

export interface SourceOptions {
  /** Per-request timeout for URL sources; 30 s by default. */
  readonly timeoutMs?: number;
  /** Largest file accepted; a full bundle of maximum-size entries is just under 16 MiB. */
  readonly maxBytes?: number;
}

const defaultTimeoutMs = 30_000;
const defaultMaxBytes = 32 * 1024 * 1024;

function sourceFailed(message: string): CustosError {
  return new CustosError('ledger.source_failed', message);
}

/** Refuses absolute paths, `..`/`.` segments, backslashes and NULs: a log path never leaves the log. */
export function assertLogPath(path: string): void {
  const segments = path.split('/');
  const bad =
    path === '' ||
    path.includes('\\') ||
    path.includes('\0') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad) throw new CustosError('request.invalid', `refusing log path ${JSON.stringify(path)}`);
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** A log stored as files in a local folder (a copy of custos-data/ledger, a mirror, …). */
export function directorySource(directory: string, options: SourceOptions = {}): LogSource {
  const root = resolve(directory);
  const maxBytes = options.maxBytes ?? defaultMaxBytes;
  const fileOf = (path: string): string => {
    assertLogPath(path);
    const file = resolve(root, ...path.split('/'));
    // Belt and braces after the segment check: the resolved file must still be under the root.
    const rel = relative(root, file);
    if (rel === '' || rel.startsWith('..') || resolve(root, rel) !== file) {
      throw new CustosError('request.invalid', `refusing log path ${JSON.stringify(path)}`);
    }
    return file;
  };
  return {
    describe: (path) => fileOf(path),
    async read(path) {
      const file = fileOf(path);
      try {
        const info = await stat(file);
        if (!info.isFile()) return undefined;
        if (info.size > maxBytes) throw sourceFailed(`${file} is ${info.size} bytes, over ${maxBytes}`);
        return Uint8Array.from(await readFile(file));
      } catch (error) {
        if (error instanceof CustosError) throw error;
        // A missing file, or a path whose parent is a file, is simply absent.
        if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
        throw sourceFailed(`cannot read ${file}: ${(error as Error).message}`);
      }
    },
    async *list() {
      const pending = [''];
      while (pending.length > 0) {
        const prefix = pending.pop() as string;
        let entries: import('node:fs').Dirent[];
        try {
          entries = await readdir(prefix === '' ? root : resolve(root, ...prefix.split('/')), {
            withFileTypes: true,
          });
        } catch (error) {
          if (errnoCode(error) === 'ENOENT') continue;
          throw sourceFailed(`cannot list ${root}: ${(error as Error).message}`);
        }
        for (const entry of entries) {
          const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
          if (entry.isDirectory()) pending.push(path);
          else if (entry.isFile()) yield path;
        }
      }
    },
  };
}

/** Reads a response body, refusing to buffer more than `maxBytes`. */
async function readBody(response: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw sourceFailed(`GET ${url}: body of ${declared} bytes is over ${maxBytes}`);
  if (response.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw sourceFailed(`GET ${url}: body is over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/** A log served over HTTP(S) under a URL prefix, as tlog-tiles lays it out. */
export function urlSource(prefix: string, options: SourceOptions = {}): LogSource {
  const base = new URL(prefix.endsWith('/') ? prefix : `${prefix}/`);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new CustosError('request.invalid', `${prefix} is not an http(s) URL`);
  }
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const maxBytes = options.maxBytes ?? defaultMaxBytes;
  const urlOf = (path: string): string => {
    assertLogPath(path);
    return new URL(path, base).href;
  };
  return {
    describe: (path) => urlOf(path),
    async read(path) {
      const url = urlOf(path);
      try {
        const response = await fetch(url, {
          signal: AbortSignal.timeout(timeoutMs),
          headers: { accept: 'application/octet-stream, text/plain' },
          redirect: 'follow',
        });
        if (response.status === 404) {
          await response.body?.cancel();
          return undefined;
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw sourceFailed(`GET ${url}: HTTP ${response.status}`);
        }
        return await readBody(response, url, maxBytes);
      } catch (error) {
        if (error instanceof CustosError) throw error;
        const reason =
          (error as Error).name === 'TimeoutError'
            ? `timed out after ${timeoutMs} ms`
            : (error as Error).message;
        throw sourceFailed(`GET ${url}: ${reason}`);
      }
    },
  };
}

/** Opens a log at a folder path or an http(s) URL prefix. */
export function openSource(location: string, options: SourceOptions = {}): LogSource {
  return /^https?:\/\//i.test(location) ? urlSource(location, options) : directorySource(location, options);
}
