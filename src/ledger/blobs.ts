import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { CustosError } from '../core/errors.js';

/**
 * Where the log's public files live (checkpoint, tiles, entry bundles). A local folder today;
 * an object store can implement the same four calls.
 */
export interface BlobStore {
  read(path: string): Promise<Uint8Array | undefined>;
  /** Writes a file; it becomes durable at the next `sync()`. */
  write(path: string, data: Uint8Array): Promise<void>;
  /** Makes every file written since the last sync durable (fsync of files and folders). */
  sync(): Promise<void>;
  /** Replaces a file atomically and durably: readers see the old or the new bytes, never a mix. */
  publish(path: string, data: Uint8Array): Promise<void>;
  describe(path: string): string;
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A blob store in a local folder. Paths are relative and may not climb out of it. */
export function createFsBlobStore(root: string): BlobStore {
  const base = resolve(root);
  const pendingFiles = new Set<string>();
  const pendingDirs = new Set<string>();
  const knownDirs = new Set<string>();

  function locate(path: string): string {
    const full = resolve(base, path);
    if (!full.startsWith(base + sep) || path.includes('\0')) {
      throw new CustosError('ledger.invalid_tile', `path outside the ledger folder: ${path.slice(0, 80)}`);
    }
    return full;
  }

  async function ensureDir(dir: string): Promise<void> {
    if (knownDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    knownDirs.add(dir);
    // A new folder's entry lives in its parent: sync up to the root so it survives power loss.
    for (let d = dir; d.startsWith(base) && d !== dirname(d); d = dirname(d)) pendingDirs.add(d);
  }

  async function writeFileSynced(full: string, data: Uint8Array, syncNow: boolean): Promise<void> {
    const handle = await open(full, 'w');
    try {
      await handle.writeFile(data);
      if (syncNow) await handle.sync();
    } finally {
      await handle.close();
    }
  }

  return {
    async read(path) {
      try {
        return new Uint8Array(await readFile(locate(path)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async write(path, data) {
      const full = locate(path);
      await ensureDir(dirname(full));
      await writeFileSynced(full, data, false);
      pendingFiles.add(full);
      pendingDirs.add(dirname(full));
    },
    async sync() {
      const files = [...pendingFiles];
      pendingFiles.clear();
      await Promise.all(files.map(fsync));
      const dirs = [...pendingDirs].sort((a, b) => b.length - a.length);
      pendingDirs.clear();
      for (const dir of dirs) await fsync(dir);
    },
    async publish(path, data) {
      const full = locate(path);
      await ensureDir(dirname(full));
      const temp = join(dirname(full), `.${randomBytes(6).toString('hex')}.tmp`);
      await writeFileSynced(temp, data, true);
      await rename(temp, full);
      await fsync(dirname(full));
    },
    describe: (path) => join(base, path),
  };
}
