import { statfsSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';

/** A driver or system error code, when the error carries one (SQLite, PostgreSQL, Node). */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True when `error` says the disk is full: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100),
 * or ENOSPC/EDQUOT from a file write. SQLite reports a full disk met while growing its WAL index
 * as SQLITE_IOERR_SHMSIZE, which has no other common cause.
 */
export function isStorageFull(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_IOERR_SHMSIZE' ||
    code === '53100' ||
    code === 'ENOSPC' ||
    code === 'EDQUOT'
  );
}

// Errors that mean the database cannot be reached or cannot do its I/O right now: connection
// failures, PostgreSQL's connection exceptions (class 08), shutdowns (57P01-57P03) and connection
// limit (53300), SQLite's lock timeouts and I/O errors. None of them is a bug in the request.
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
]);

// pg reports a connection lost mid-query, or a pool that could not connect in time, with no
// code: these exact sentences are all there is to tell them by.
const pgConnectionLost = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
]);

function isUnreachable(error: unknown, code: string | undefined): boolean {
  if (code === undefined) return error instanceof Error && pgConnectionLost.has(error.message);
  return (
    unreachableCodes.has(code) ||
    /^08[0-9A-Z]{3}$/.test(code) ||
    code.startsWith('SQLITE_BUSY_') ||
    code.startsWith('SQLITE_IOERR')
  );
}

/** How long the store stays reported full after the last write that failed for lack of space. */
export const fullReportHoldMs = 30_000;

/**
 * Watches a store's writes for a full disk: full from the first write that failed for lack of
 * space until `fullReportHoldMs` pass without another. A write that succeeds proves nothing (on a
 * full disk, writes that fit in pages the database holds still go through), and a node taken out
 * of rotation for a full disk is tried again once the hold has passed.
 */
export function createOutageWatch(deps: {
  clock: Clock;
  /** The folder holding an embedded database file, whose free space tells a full disk apart. */
  folder?: string;
}) {
  const { clock, folder } = deps;
  let fullSince: number | undefined;
  let lastFullAt = 0;

  /** SQLite reports some writes that met a full disk as I/O errors; the free space tells. */
  function folderIsFull(): boolean {
    if (!folder) return false;
    try {
      return statfsSync(folder).bavail === 0;
    } catch {
      return false;
    }
  }

  return {
    /**
     * Our error for a driver error that means the store is out of service: `storage.full` for a
     * full disk, `store.unavailable` when it cannot be reached. Undefined for anything else (a
     * constraint, a bug), which callers handle as before. The driver's text is never copied: it
     * stays on the returned error's `cause`, for the log.
     */
    outage(error: unknown): CustosError | undefined {
      const code = codeOf(error);
      if (isStorageFull(error) || (code?.startsWith('SQLITE_IOERR') && folderIsFull())) {
        const now = clock.now();
        fullSince ??= now;
        lastFullAt = now;
        return new CustosError('storage.full', undefined, undefined, { cause: error });
      }
      if (isUnreachable(error, code))
        return new CustosError('store.unavailable', undefined, undefined, { cause: error });
      return undefined;
    },
    /** Since when writes fail for a full disk; undefined once none has for `fullReportHoldMs`. */
    fullSince(): number | undefined {
      if (fullSince !== undefined && clock.now() - lastFullAt >= fullReportHoldMs) fullSince = undefined;
      return fullSince;
    },
  };
}

export type OutageWatch = ReturnType<typeof createOutageWatch>;
