/**
 * Puts a nearly sorted stream back in time order with bounded memory. An item is held until the
 * newest time seen is `windowMs` past it (or the buffer is full), then released oldest first, ties
 * in arrival order. An item older than one already released is "late": it is released at once,
 * at its own time, and counted, since holding the stream back for it is no longer possible.
 */

export interface ReorderBuffer<T> {
  /** Adds an item; returns the items now ready, in time order. */
  push(item: T): T[];
  /** Releases everything still held, in time order. */
  drain(): T[];
  /** Items that arrived before one with a later time, but within the window: put back in order. */
  readonly reordered: number;
  /** Items older than one already released: passed on out of order. */
  readonly late: number;
}

interface Held<T> {
  time: number;
  seq: number;
  item: T;
}

function before<T>(a: Held<T>, b: Held<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** A buffer that releases items in order of `timeOf`, holding at most `capacity` of them. */
export function createReorderBuffer<T>(options: {
  timeOf: (item: T) => number;
  windowMs: number;
  capacity: number;
}): ReorderBuffer<T> {
  const heap: Held<T>[] = [];
  let seq = 0;
  let newest = Number.NEGATIVE_INFINITY;
  let released = Number.NEGATIVE_INFINITY;
  let reordered = 0;
  let late = 0;

  const siftUp = (start: number) => {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Held<T>, heap[parent] as Held<T>)) break;
      [heap[i], heap[parent]] = [heap[parent] as Held<T>, heap[i] as Held<T>];
      i = parent;
    }
  };
  const pop = (): Held<T> => {
    const top = heap[0] as Held<T>;
    const last = heap.pop() as Held<T>;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < heap.length && before(heap[left] as Held<T>, heap[least] as Held<T>)) least = left;
        if (right < heap.length && before(heap[right] as Held<T>, heap[least] as Held<T>)) least = right;
        if (least === i) break;
        [heap[i], heap[least]] = [heap[least] as Held<T>, heap[i] as Held<T>];
        i = least;
      }
    }
    released = top.time;
    return top;
  };

  return {
    push(item) {
      const time = options.timeOf(item);
      if (time < released) {
        late += 1;
        return [item];
      }
      if (time < newest) reordered += 1;
      newest = Math.max(newest, time);
      heap.push({ time, seq: seq++, item });
      siftUp(heap.length - 1);
      const ready: T[] = [];
      while (
        heap.length > 0 &&
        (heap.length > options.capacity || (heap[0] as Held<T>).time <= newest - options.windowMs)
      ) {
        ready.push(pop().item);
      }
      return ready;
    },
    drain() {
      const ready: T[] = [];
      while (heap.length > 0) ready.push(pop().item);
      return ready;
    },
    get reordered() {
      return reordered;
    },
    get late() {
      return late;
    },
  };
}
