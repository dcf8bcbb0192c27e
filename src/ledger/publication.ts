import type { Clock } from '../core/clock.js';
import { type ErrorCode, isCustosError } from '../core/errors.js';
import { isStorageFull } from '../store/outage.js';

/** The part of checkpoint publication that failed. */
export type PublicationComponent = 'ledger.tiles' | 'ledger.witnesses' | 'store';

/** Why checkpoints are not being published, and since when (clock time of the first failure in a row). */
export interface PublicationFailure {
  readonly component: PublicationComponent;
  /** A stable code from the error registry; never the underlying error's text. */
  readonly code: ErrorCode;
  readonly since: number;
}

/** The stable code for a failure of `component`: a full disk, or what that component does when out. */
function failureCode(component: PublicationComponent, error: unknown): ErrorCode {
  if (isStorageFull(error)) return 'storage.full';
  if (isCustosError(error)) return error.code;
  if (component === 'ledger.tiles') return 'ledger.tiles_unavailable';
  if (component === 'ledger.witnesses') return 'witness.quorum_failed';
  return 'store.unavailable';
}

// Sequencing times kept at most; beyond it neighbours merge, keeping the older time, so that an
// entry's wait is only ever overstated (checks then stop permitting sooner, never later).
const maxMarks = 4096;

/**
 * What the integrator knows of publication, kept in memory so that the access check can read it
 * on its hot path without I/O: when the oldest entry not yet in a published checkpoint was
 * sequenced, and the failure, if any, that keeps checkpoints from being published.
 */
export function createPublicationTracker(clock: Clock) {
  // Runs of sequenced entries: every entry below `end` (and above the previous mark's end) was
  // sequenced at `at`. Marks at or below the published size are dropped.
  let marks: { end: number; at: number }[] = [];
  let publishedSize = 0;
  let publishedAt: number | undefined;
  let failure: PublicationFailure | undefined;

  return {
    /** Entries below `end` are sequenced (now, for those not seen before). */
    sequenced(end: number): void {
      const last = marks[marks.length - 1];
      if (end <= Math.max(publishedSize, last?.end ?? 0)) return;
      const at = clock.now();
      if (last && last.at === at) last.end = end;
      else marks.push({ end, at });
      if (marks.length > maxMarks) {
        const merged: { end: number; at: number }[] = [];
        for (let i = 0; i < marks.length; i += 2) {
          const first = marks[i] as { end: number; at: number };
          merged.push({ end: (marks[i + 1] ?? first).end, at: first.at });
        }
        marks = merged;
      }
    },
    /**
     * A checkpoint of `size` entries is published: publication works. `fresh` is false for one
     * found on disk at start, whose publication time is not known.
     */
    published(size: number, fresh = true): void {
      publishedSize = Math.max(publishedSize, size);
      if (fresh) publishedAt = clock.now();
      while (marks.length && (marks[0] as { end: number }).end <= publishedSize) marks.shift();
      failure = undefined;
    },
    /** An attempt to publish failed in `component`; `since` stays that of the first failure in a row. */
    failed(component: PublicationComponent, error: unknown): void {
      failure = { component, code: failureCode(component, error), since: failure?.since ?? clock.now() };
    },
    /** When the oldest entry not covered by a published checkpoint was sequenced; undefined when none waits. */
    waitingSince(): number | undefined {
      return marks[0]?.at;
    },
    /** When this node last published a checkpoint (clock time); undefined before its first. */
    publishedAt(): number | undefined {
      return publishedAt;
    },
    /** The failure that keeps checkpoints from being published; undefined once one is published. */
    failure(): PublicationFailure | undefined {
      return failure;
    },
  };
}

export type PublicationTracker = ReturnType<typeof createPublicationTracker>;
