/**
 * Durable state of a tlog witness: per log origin, the latest checkpoint it cosigned, and the
 * evidence of every fork it refused. A cosignature is only answered after its state is on disk,
 * so a crash can never make the witness forget a size it vouched for and cosign a rollback.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CustosError } from '../core/errors.js';
import { fromBase64, toBase64 } from './bytes.js';
import { HASH_SIZE } from './merkle.js';

/** The latest checkpoint a witness cosigned for one origin. */
export interface CosignedCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  /** The signed checkpoint note exactly as the log submitted it. */
  readonly note: string;
}

/** Two validly signed checkpoints of one log with the same size and different roots. */
export interface ForkEvidence {
  readonly origin: string;
  readonly size: number;
  /** The checkpoint the witness had cosigned (root in base64). */
  readonly cosigned: { readonly root: string; readonly note: string };
  /** The checkpoint it refused. */
  readonly conflicting: { readonly root: string; readonly note: string };
  /** When the witness saw the conflicting checkpoint (ms since the epoch). */
  readonly detectedAt: number;
}

/** Where a witness keeps what it cosigned; one writer (one witness process) per state. */
export interface WitnessState {
  /** The latest cosigned checkpoint for `origin`, or undefined when it never cosigned one. */
  get(origin: string): Promise<CosignedCheckpoint | undefined>;
  /**
   * Durably stores `next` when the stored size is still `expectedSize` (0 when nothing is stored);
   * returns false, storing nothing, when another write got there first.
   */
  compareAndSet(origin: string, expectedSize: number, next: CosignedCheckpoint): Promise<boolean>;
  /** Durably records fork evidence; returns false when the same fork was already recorded or the cap is hit. */
  recordFork(evidence: ForkEvidence): Promise<boolean>;
  /** Every recorded fork, oldest first. */
  forks(): Promise<ForkEvidence[]>;
  /** Releases the state (the file state's lock). */
  close(): Promise<void>;
}

/** More fork records than this are not kept: the first ones already prove the log misbehaved. */
export const MAX_FORK_RECORDS = 1000;

/** Runs async work one at a time per key; keys with nothing queued take no memory. */
export function createKeyedMutex(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

function forkKey(evidence: ForkEvidence): string {
  return `${evidence.origin}\n${evidence.size}\n${evidence.conflicting.root}`;
}

/** An in-memory state for tests and throwaway witnesses; it forgets everything on exit. */
export function createMemoryWitnessState(): WitnessState {
  const records = new Map<string, CosignedCheckpoint>();
  const forks = new Map<string, ForkEvidence>();
  const lock = createKeyedMutex();
  return {
    get: async (origin) => records.get(origin),
    compareAndSet: (origin, expectedSize, next) =>
      lock(origin, async () => {
        if ((records.get(origin)?.size ?? 0) !== expectedSize) return false;
        records.set(origin, { size: next.size, root: Uint8Array.from(next.root), note: next.note });
        return true;
      }),
    recordFork: async (evidence) => {
      const key = forkKey(evidence);
      if (forks.has(key) || forks.size >= MAX_FORK_RECORDS) return false;
      forks.set(key, evidence);
      return true;
    },
    forks: async () => [...forks.values()],
    close: async () => undefined,
  };
}

const storedCheckpoint = z.object({
  version: z.literal(1),
  origin: z.string(),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  root: z.string(),
  note: z.string(),
});

const storedFork = z.object({
  version: z.literal(1),
  origin: z.string(),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  cosigned: z.object({ root: z.string(), note: z.string() }),
  conflicting: z.object({ root: z.string(), note: z.string() }),
  detectedAt: z.number(),
});

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function corrupt(file: string, reason: string): CustosError {
  return new CustosError('witness.state_corrupt', `witness state file ${file} ${reason}`, { file });
}

/** Writes `data` to `file` so that after a crash the file holds either the old or the new bytes. */
async function writeDurably(dir: string, file: string, data: string): Promise<void> {
  const temp = join(dir, `.${file}.${randomUUID()}.tmp`);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, file));
  await syncDirectory(dir);
}

/** fsyncs a directory so that a rename or a new file in it survives a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the state directory's lock file: two witness processes over one state would each check
 * and advance the same size, which is exactly the rollback race the spec warns about.
 */
async function acquireLock(dir: string): Promise<string> {
  const lockFile = join(dir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return lockFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
      if (Number.isSafeInteger(holder) && holder > 0 && isProcessAlive(holder)) {
        throw new CustosError(
          'witness.state_locked',
          `witness state ${dir} is in use by process ${holder}; if that is not a witness, remove ${lockFile}`,
        );
      }
      // The holder died without releasing the lock (a crash); take it over.
      await rm(lockFile, { force: true });
    }
  }
  throw new CustosError('witness.state_locked', `could not lock witness state ${dir}`);
}

function parseStoredCheckpoint(file: string, origin: string, text: string): CosignedCheckpoint {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt(file, 'is not JSON');
  }
  const parsed = storedCheckpoint.safeParse(json);
  if (!parsed.success) throw corrupt(file, 'does not have the expected fields');
  if (parsed.data.origin !== origin) throw corrupt(file, `belongs to origin ${parsed.data.origin}`);
  const root = fromBase64(parsed.data.root);
  if (root === undefined || root.length !== HASH_SIZE) throw corrupt(file, 'has a malformed root hash');
  return { size: parsed.data.size, root, note: parsed.data.note };
}

/**
 * A state in a directory: `logs/<sha256(origin)>.json` per origin and `forks/*.json` per fork,
 * each written to a temporary file, fsynced, renamed into place, and the directory fsynced.
 * A state file that cannot be read fails every request for its origin rather than being taken
 * for "never cosigned", which would let a rolled-back log through.
 */
export async function openFileWitnessState(dir: string): Promise<WitnessState> {
  const logsDir = join(dir, 'logs');
  const forksDir = join(dir, 'forks');
  await mkdir(logsDir, { recursive: true, mode: 0o700 });
  await mkdir(forksDir, { recursive: true, mode: 0o700 });
  await syncDirectory(dir);
  const lockFile = await acquireLock(dir);
  // Leftovers of writes a crash interrupted; the renamed files are the truth.
  for (const sub of [logsDir, forksDir]) {
    for (const name of await readdir(sub))
      if (name.endsWith('.tmp')) await rm(join(sub, name), { force: true });
  }

  const cache = new Map<string, CosignedCheckpoint | undefined>();
  const lock = createKeyedMutex();
  let forkCount = (await readdir(forksDir)).filter((name) => name.endsWith('.json')).length;

  async function read(origin: string): Promise<CosignedCheckpoint | undefined> {
    if (cache.has(origin)) return cache.get(origin);
    const file = join(logsDir, `${sha256Hex(origin)}.json`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      cache.set(origin, undefined);
      return undefined;
    }
    const record = parseStoredCheckpoint(file, origin, text);
    cache.set(origin, record);
    return record;
  }

  return {
    get: (origin) => lock(origin, () => read(origin)),
    compareAndSet: (origin, expectedSize, next) =>
      lock(origin, async () => {
        if (((await read(origin))?.size ?? 0) !== expectedSize) return false;
        const record = { size: next.size, root: Uint8Array.from(next.root), note: next.note };
        const json = {
          version: 1,
          origin,
          size: record.size,
          root: toBase64(record.root),
          note: record.note,
        };
        // Forget the cached value first: if the write fails midway, the next read goes to disk.
        cache.delete(origin);
        await writeDurably(logsDir, `${sha256Hex(origin)}.json`, `${JSON.stringify(json)}\n`);
        cache.set(origin, record);
        return true;
      }),
    recordFork: (evidence) =>
      lock(`\0forks`, async () => {
        const file = `${sha256Hex(forkKey(evidence))}.json`;
        const existing = await readdir(forksDir);
        if (existing.includes(file) || forkCount >= MAX_FORK_RECORDS) return false;
        await writeDurably(forksDir, file, `${JSON.stringify({ version: 1, ...evidence })}\n`);
        forkCount++;
        return true;
      }),
    forks: async () => {
      const names = (await readdir(forksDir)).filter((name) => name.endsWith('.json'));
      const forks: ForkEvidence[] = [];
      for (const name of names) {
        const file = join(forksDir, name);
        let json: unknown;
        try {
          json = JSON.parse(await readFile(file, 'utf8'));
        } catch {
          throw corrupt(file, 'is not JSON');
        }
        const parsed = storedFork.safeParse(json);
        if (!parsed.success) throw corrupt(file, 'does not have the expected fields');
        const { version: _version, ...evidence } = parsed.data;
        forks.push(evidence);
      }
      return forks.sort((a, b) => a.detectedAt - b.detectedAt);
    },
    close: async () => {
      await rm(lockFile, { force: true });
    },
  };
}
