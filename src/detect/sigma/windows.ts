/**
 * The small data structures correlations keep per group: a time-ordered queue of evidence with
 * a size cap, and a min-heap of window deadlines.
 */

/** Evidence of one feed: an event id, or the ids an inner correlation reported. */
export type Evidence = string | readonly string[];

/** Entries ordered by time, oldest first, holding at most `cap`; dropping from the old end. */
export class TimeQueue {
  private times: number[] = [];
  private evidence: Evidence[] = [];
  private head = 0;

  constructor(private readonly cap: number) {}

  get size(): number {
    return this.times.length - this.head;
  }

  /** The newest time held, or -Infinity when empty. */
  get newest(): number {
    return this.size === 0 ? Number.NEGATIVE_INFINITY : (this.times[this.times.length - 1] as number);
  }

  /** Adds an entry in time order (events mostly come in order, so this is mostly a push); true if one was dropped for the cap. */
  add(time: number, evidence: Evidence): boolean {
    let at = this.times.length;
    while (at > this.head && (this.times[at - 1] as number) > time) at--;
    if (at === this.times.length) {
      this.times.push(time);
      this.evidence.push(evidence);
    } else {
      this.times.splice(at, 0, time);
      this.evidence.splice(at, 0, evidence);
    }
    if (this.size > this.cap) {
      this.head++;
      this.compact();
      return true;
    }
    return false;
  }

  /** Drops entries older than `cutoff`. */
  dropBefore(cutoff: number): void {
    while (this.head < this.times.length && (this.times[this.head] as number) < cutoff) this.head++;
    this.compact();
  }

  /** The ids of the newest entries, at most `max`, oldest first. */
  lastIds(max: number): string[] {
    const out: string[] = [];
    for (let i = this.times.length - 1; i >= this.head && out.length < max; i--) {
      const evidence = this.evidence[i] as Evidence;
      if (typeof evidence === 'string') out.push(evidence);
      else for (let j = evidence.length - 1; j >= 0 && out.length < max; j--) out.push(evidence[j] as string);
    }
    return out.reverse();
  }

  private compact(): void {
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.evidence = this.evidence.slice(this.head);
      this.head = 0;
    }
  }
}

/** A min-heap of deadlines, each with what it is the deadline of. */
export class DeadlineHeap<T> {
  private readonly items: { due: number; value: T }[] = [];

  get size(): number {
    return this.items.length;
  }

  push(due: number, value: T): void {
    const items = this.items;
    items.push({ due, value });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as { due: number }).due <= due) break;
      [items[i], items[parent]] = [
        items[parent] as { due: number; value: T },
        items[i] as { due: number; value: T },
      ];
      i = parent;
    }
  }

  /** The earliest deadline, or Infinity when empty. */
  peek(): number {
    return this.items[0]?.due ?? Number.POSITIVE_INFINITY;
  }

  pop(): { due: number; value: T } | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (!top || !last || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (
        left < items.length &&
        (items[left] as { due: number }).due < (items[smallest] as { due: number }).due
      ) {
        smallest = left;
      }
      if (
        right < items.length &&
        (items[right] as { due: number }).due < (items[smallest] as { due: number }).due
      ) {
        smallest = right;
      }
      if (smallest === i) return top;
      [items[i], items[smallest]] = [
        items[smallest] as { due: number; value: T },
        items[i] as { due: number; value: T },
      ];
      i = smallest;
    }
  }
}
