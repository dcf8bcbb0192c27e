import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real, small filesystem (tmpfs) mounted on a folder of its own. */
export interface SmallDisk {
  /** Where it is mounted. */
  dir: string;
  /** Writes a file until the disk answers ENOSPC, so that every later write that needs room fails. */
  fill(): void;
  /** Deletes what `fill` wrote: the disk has room again. */
  free(): void;
  /** Unmounts it and removes the folder. */
  remove(): void;
}

function mountTmpfs(dir: string, options: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    // A file may still be open (a database server's cached handle): detach it now, and the
    // kernel frees it when the last handle closes.
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
}

/**
 * Whether this process may mount a tmpfs (it must be root, as in CI). A full disk is then real:
 * the kernel answers ENOSPC, and the databases their own disk-full errors. Where it may not
 * (a laptop without root), the tests that need it skip, except under CI=true, where that is a
 * failure, as for the real servers in services.ts.
 */
export const canMountTmpfs: boolean = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'custos-mount-probe-'));
  try {
    mountTmpfs(dir, 'size=64k');
    unmount(dir);
    return true;
  } catch (error) {
    if (process.env.CI === 'true') {
      throw new Error(`CI=true but this process cannot mount a tmpfs: ${(error as Error).message}`);
    }
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

/**
 * Mounts a tmpfs of `bytes` bytes. `owner` hands the filesystem to another user (PostgreSQL's,
 * for a tablespace); the folders above it are then opened to others so that user can reach it.
 */
export function mountSmallDisk(bytes: number, owner?: { uid: number; gid: number }): SmallDisk {
  const parent = mkdtempSync(join(tmpdir(), 'custos-disk-'));
  const dir = join(parent, 'disk');
  execFileSync('mkdir', [dir]);
  const ownerOptions = owner ? `,uid=${owner.uid},gid=${owner.gid},mode=0700` : ',mode=0755';
  mountTmpfs(dir, `size=${bytes}${ownerOptions}`);
  if (owner) chmodSync(parent, 0o755);
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        // Halving chunks down to one byte leaves no room at all, not even in a partial page.
        for (let size = 1 << 20; size >= 1; size = Math.floor(size / 2)) {
          const chunk = Buffer.alloc(size, 0x55);
          for (;;) {
            try {
              writeSync(fd, chunk);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw error;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    remove() {
      unmount(dir);
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
